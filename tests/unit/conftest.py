# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import FakeSession


@pytest.fixture
def fake_session():
    return FakeSession()
