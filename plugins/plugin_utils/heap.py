# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Heap housekeeping for the controller-side action plugins."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import gc


@contextlib.contextmanager
def cyclic_gc_paused():
    """No cyclic garbage collection inside the block (then as it was before).

    Tens of thousands of held records or ids only ever grow the heap while an action runs: the cyclic
    collector would walk them (and everything the forked worker inherited) again and again for nothing,
    seconds at 50,000 held messages. Reference counting still frees everything that is not a cycle.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
