"""A self-contained SVG line plot (no plotting library): wall time vs held messages, log-log."""

import math

WIDTH, HEIGHT = 720, 440
LEFT, RIGHT, TOP, BOTTOM = 80, 200, 50, 60
SERIES = (('per-id way', '#c0392b', lambda r: r['per_id']['wall_s'], lambda r: r['per_id']['sampled']),
          ('secops.mimecast triage', '#2471a3', lambda r: r['ours']['wall_s'], lambda r: False),
          ('floor', '#7f8c8d', lambda r: r['floor_s'], lambda r: False))


def _esc(text):
    return str(text).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def _ticks(lo, hi):
    out = []
    for exp in range(int(math.floor(math.log10(lo))), int(math.ceil(math.log10(hi))) + 1):
        for mult in (1, 2, 5):
            value = mult * 10 ** exp
            if lo <= value <= hi:
                out.append(value)
    return out


def _fmt(value):
    if value >= 1000:
        return '%gk' % (value / 1000)
    return '%g' % value


def wall_time_plot(data):
    rows = sorted(data['sizes'], key=lambda r: r['n'])
    ns = [r['n'] for r in rows]
    values = [f(r) for r in rows for dummy, dummy, f, dummy in SERIES]
    x_lo, x_hi = min(ns) / 1.3, max(ns) * 1.3
    y_lo = 10 ** math.floor(math.log10(min(values) * 0.8))
    y_hi = 10 ** math.ceil(math.log10(max(values) * 1.2))
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(v):
        return LEFT + pw * (math.log10(v) - math.log10(x_lo)) / (math.log10(x_hi) - math.log10(x_lo))

    def y(v):
        return TOP + ph * (1 - (math.log10(v) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo)))

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" '
           'font-size="12">' % (WIDTH, HEIGHT, WIDTH, HEIGHT),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="24" font-size="15" font-weight="bold">Triage wall time vs held messages (latency %g ms, log-log)</text>'
           % (LEFT, data['latency_ms'])]
    for value in _ticks(y_lo, y_hi):
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e5e5e5"/>' % (LEFT, LEFT + pw, y(value), y(value)))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (LEFT - 6, y(value) + 4, _fmt(value)))
    for value in ns:
        out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#e5e5e5"/>' % (x(value), x(value), TOP, TOP + ph))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x(value), TOP + ph + 18, _fmt(value)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>' % (LEFT, TOP, pw, ph))
    out.append('<text x="%.1f" y="%d" text-anchor="middle">held messages (N)</text>' % (LEFT + pw / 2, HEIGHT - 15))
    out.append('<text x="18" y="%.1f" text-anchor="middle" transform="rotate(-90 18 %.1f)">wall time (s)</text>'
               % (TOP + ph / 2, TOP + ph / 2))
    for index, (name, colour, value, sampled) in enumerate(SERIES):
        points = [(x(r['n']), y(value(r))) for r in rows]
        out.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>' % (
            colour, ' stroke-dasharray="6 4"' if name == 'floor' else '', ' '.join('%.1f,%.1f' % p for p in points)))
        for r, (px, py) in zip(rows, points):
            hollow = sampled(r)
            out.append('<circle cx="%.1f" cy="%.1f" r="4" fill="%s" stroke="%s"><title>%s, N=%d: %.2f s%s</title></circle>' % (
                px, py, 'white' if hollow else colour, colour, _esc(name), r['n'], value(r), ' (extrapolated)' if hollow else ''))
            out.append('<text x="%.1f" y="%.1f" font-size="10" fill="%s">%.1f</text>' % (px + 6, py - 6, colour, value(r)))
        ly = TOP + 20 + index * 20
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"/>' % (LEFT + pw + 15, LEFT + pw + 40, ly, ly, colour))
        out.append('<text x="%d" y="%d">%s</text>' % (LEFT + pw + 46, ly + 4, _esc(name)))
    out.append('<text x="%d" y="%d" font-size="10" fill="#555">hollow: extrapolated from a sample</text>' % (LEFT + pw + 15, TOP + 90))
    out.append('</svg>')
    return '\n'.join(out) + '\n'
