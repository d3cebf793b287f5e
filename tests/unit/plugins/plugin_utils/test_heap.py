# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gc

import pytest

from ansible_collections.secops.mimecast.plugins.plugin_utils.heap import cyclic_gc_paused


@pytest.fixture
def gc_state():
    before = gc.isenabled()
    yield
    if before:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_restored_after(gc_state):
    gc.enable()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_after_an_exception(gc_state):
    gc.enable()
    with pytest.raises(ValueError):
        with cyclic_gc_paused():
            raise ValueError('boom')
    assert gc.isenabled()


def test_left_off_when_it_was_off(gc_state):
    gc.disable()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
