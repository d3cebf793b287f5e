import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mimecast_sim.testing import Simulator  # noqa: E402  pylint: disable=wrong-import-position

HOLD_LIST = '/api/gateway/get-hold-message-list'
RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'


@pytest.fixture(scope='session')
def sim_session():
    with Simulator(held=120, seed=7) as sim:
        yield sim


@pytest.fixture
def sim(sim_session):
    sim_session.reset(held=120, seed=7, not_held_style='fail')
    sim_session.config(unknown_id_style='not_found', binding_expired=False, clock_offset=0, rate_limit=0, latency_ms=0, token_ttl=1800, retry_after=False,
                       release_log_operator='string', release_log_address='email', release_log_forbidden=False)
    yield sim_session
