"""A small SIP test client and UDP endpoints (sipp is not packaged for Debian here)."""
