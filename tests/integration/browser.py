# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Headless Chromium (Debian ``chromium``) for the HTML reports: layout measurements and screenshots.

``measure(page, width)`` loads a copy of ``page`` with a measuring script added at its end (the copy's
Content-Security-Policy lets that script run; nothing else of the page changes), in a window ``width`` CSS
pixels wide, and returns what the script found: the document's width against the window's, every element
that reaches past the window's right edge, every cell or label whose text does not fit its box, and for every
``<section id=...>`` where it is, whether it is shown, its rows and headings shown, and how many of its boxes
scroll sideways.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html
import json
import os
import re
import shutil
import subprocess
import tempfile

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--hide-scrollbars', '--force-device-scale-factor=1']

MEASURE = r"""
(function(){
  var de=document.documentElement, vw=de.clientWidth, wide=[], cut=[], nwide=0, ncut=0;
  function name(el){return el.tagName.toLowerCase()+(el.className&&el.className.baseVal===undefined?'.'+String(el.className).replace(/ +/g,'.'):'');}
  var all=document.body.querySelectorAll('*');
  for(var i=0;i<all.length;i++){
    var el=all[i];
    if(el.closest('style,script')){continue;}
    var r=el.getBoundingClientRect();
    if(r.width>0&&r.right>vw+0.5){nwide++;if(wide.length<20){wide.push(name(el)+' right='+Math.round(r.right)+' '+(el.textContent||'').slice(0,60));}}
    if((el.matches('td,th,.label,h1,h2,p,li,.kpi'))&&!el.matches('td.id')&&el.scrollWidth>el.clientWidth+1){
      ncut++;if(cut.length<20){cut.push(name(el)+' '+el.scrollWidth+'>'+el.clientWidth+' '+(el.textContent||'').slice(0,60));}}
  }
  var sections={},ss=document.querySelectorAll('section[id]');
  function shown(el){var b=el.getBoundingClientRect(),cs=getComputedStyle(el);return b.width>0&&b.height>0&&cs.display!=='none'&&cs.visibility!=='hidden';}
  for(var j=0;j<ss.length;j++){
    var s=ss[j],b=s.getBoundingClientRect(),inner=s.querySelectorAll('*'),scrollers=0,rows=0,heads=[];
    for(var k=0;k<inner.length;k++){var st=getComputedStyle(inner[k]);
      if(/auto|scroll/.test(st.overflowX)&&inner[k].scrollWidth>inner[k].clientWidth+1){scrollers++;}}
    s.querySelectorAll('tr').forEach(function(tr){if(shown(tr)){rows++;}});
    s.querySelectorAll('h2,h3').forEach(function(h){if(shown(h)){heads.push(h.textContent);}});
    sections[s.id]={visible:shown(s),left:b.left,right:b.right,height:b.height,scrollWidth:s.scrollWidth,clientWidth:s.clientWidth,
                    scrollers:scrollers,visibleRows:rows,headings:heads};
  }
  var out={viewport:vw,innerWidth:window.innerWidth,scrollWidth:de.scrollWidth,bodyScrollWidth:document.body.scrollWidth,
           wide:wide,wideCount:nwide,cut:cut,cutCount:ncut,tables:document.querySelectorAll('table').length,
           rows:document.querySelectorAll('tr').length,sections:sections};
  var pre=document.createElement('pre');pre.id='layout-measure';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);
  if(window.parent!==window){window.parent.postMessage(JSON.stringify(out),'*');}
})();
"""


def chromium():
    """The chromium binary (``make integration`` installs Debian's ``chromium``)."""
    found = shutil.which('chromium') or shutil.which('chromium-browser')
    assert found, 'chromium is not installed: make chromium (apt-get install -y chromium)'
    return found


def _run(args, timeout=180):
    profile = tempfile.mkdtemp(prefix='chromium-profile-')
    try:
        cmd = [chromium()] + FLAGS + ['--user-data-dir=%s' % profile] + args
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def measurable_copy(page, dest):
    """A copy of ``page`` whose policy lets the measuring script run, with the script at the end of the body."""
    with open(page, encoding='utf-8') as handle:
        text = handle.read()
    text, found = re.subn(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">',
                          '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                          'style-src \'unsafe-inline\'; script-src \'unsafe-inline\'">', text, count=1)
    assert found == 1, 'no Content-Security-Policy in %s' % page
    text = text.replace('</body></html>', '<script>%s</script></body></html>' % MEASURE)
    with open(dest, 'w', encoding='utf-8') as handle:
        handle.write(text)
    return dest


# Headless Chromium's window is at least 500 pixels wide: a narrower width (a phone's 390) is a frame of that
# width in a wider window. The page in the frame lays out exactly as in a window of the frame's size (its media
# queries see the frame's width); the frame posts its measurement to the window, which writes it into its DOM.
FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0}iframe{border:0;display:block}</style></head>
<body><iframe src="%s" width="%d" height="%d"></iframe><pre id="layout-measure"></pre>
<script>window.addEventListener('message',function(ev){document.getElementById('layout-measure').textContent=ev.data;});</script>
</body></html>
"""
MIN_WINDOW = 500


def _frame(folder, page, width, height):
    path = os.path.join(folder, 'frame-%d.html' % width)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(FRAME % (os.path.basename(page) if os.path.dirname(page) == folder else 'file://' + os.path.abspath(page), width, height))
    return path


def measure(page, width, height=900):
    """The layout of ``page`` in a ``width`` x ``height`` window (see the module's doc)."""
    folder = tempfile.mkdtemp(prefix='layout-')
    try:
        copy = measurable_copy(page, os.path.join(folder, 'page.html'))
        target, window = copy, width
        if width < MIN_WINDOW:
            target, window = _frame(folder, copy, width, height), MIN_WINDOW
        proc = _run(['--window-size=%d,%d' % (window, height), '--virtual-time-budget=10000', '--dump-dom', 'file://' + target])
        found = re.search(r'<pre id="layout-measure">(.+?)</pre>', proc.stdout, re.S)
        assert found, 'no measurement from chromium (rc %s): %s' % (proc.returncode, proc.stderr[-2000:])
        result = json.loads(html.unescape(found.group(1)))
        assert result['viewport'] == width, 'the page was laid out %s pixels wide, not %d' % (result['viewport'], width)
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def screenshot(page, width, dest, height=1800):
    """A PNG of the top ``height`` pixels of ``page`` laid out ``width`` pixels wide."""
    folder = tempfile.mkdtemp(prefix='shot-')
    try:
        target, window = os.path.abspath(page), width
        if width < MIN_WINDOW:
            target, window = _frame(folder, page, width, height), MIN_WINDOW
        proc = _run(['--window-size=%d,%d' % (window, height), '--virtual-time-budget=5000', '--screenshot=%s' % dest,
                     'file://' + target])
        assert os.path.exists(dest), 'no screenshot from chromium (rc %s): %s' % (proc.returncode, proc.stderr[-2000:])
        return dest
    finally:
        shutil.rmtree(folder, ignore_errors=True)
