-- The PBX's fax route table (R15-R17). Kamailio loads it into the "fax" htable at start-up
-- and writes through to it on every fax.route_add / fax.route_remove JSON-RPC call.
-- Create with: sqlite3 /var/lib/kamailio/fax.db < schema.sql   (idempotent)

-- WAL lets Kamailio's processes read (htable.reload) while another one writes a route.
PRAGMA journal_mode = WAL;

CREATE TABLE IF NOT EXISTS fax_routes (
    number   TEXT PRIMARY KEY CHECK (number GLOB '+[1-9][0-9][0-9][0-9][0-9][0-9]*'),
    customer TEXT NOT NULL,
    mailbox  TEXT NOT NULL,     -- the port's "user": the mailbox that receives the faxes
    mode     TEXT NOT NULL CHECK (mode IN ('shared', 'dedicated')),
    target   TEXT NOT NULL CHECK (target GLOB 'sip:*' OR target GLOB 'sips:*'),
    updated  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
