"""The simulator conforms to deploy/tobit/openapi.yaml: schemathesis, stateless, bounded.

Always against the simulator (its own virtual server), never a real endpoint: generated
requests create mailboxes at random and nothing cleans them up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import experimental
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

SPEC = Path(__file__).resolve().parents[2] / "deploy" / "tobit" / "openapi.yaml"
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance)

experimental.OPEN_API_3_1.enable()


@pytest.fixture
def tobit_api_schema(tobit_simulator):
    return schemathesis.from_path(str(SPEC), base_url=tobit_simulator.url_for("schemathesis"))


schema = schemathesis.from_pytest_fixture("tobit_api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_simulator_conforms_to_the_openapi_document(case, tobit_simulator):
    response = case.call(headers={"Authorization": f"Bearer {tobit_simulator.token}"}, timeout=5)
    case.validate_response(response, checks=CHECKS)
    assert response.headers["X-Tobit-Simulator"] == "true"


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_refuses_a_missing_token_as_documented(case):
    response = case.call(timeout=5)
    case.validate_response(response, checks=CHECKS)
    assert response.status_code == 401
