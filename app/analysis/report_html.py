"""The analysis as one self-contained HTML page that opens offline in any
browser: inline CSS and SVG only (no script, no CDN, no web font, no image).

Privacy: the page holds numbers derived from keypoints, never a source
pixel, and names no source file: its title is the one the user typed (or a
generic one).
"""

from __future__ import annotations

from html import escape

import numpy as np

from app.analysis import fall_detector
from app.analysis.activity import STATES, time_in_states
from app.analysis.analysis import Analysis, PersonAnalysis
from app.analysis.angles import ANGLES

STATE_COLORS = {"standing": "#4c9be8", "walking": "#2fbf71", "sitting": "#f1a33c",
                "lying": "#b36ae2", "unknown": "#c8ccd2"}
EVENT_COLORS = {"fall": "#e5484d", "entered": "#3a3f47", "left": "#3a3f47"}
# Per joint: (left, right); the right side is the lighter shade.
JOINT_COLORS = {"knee": ("#0b6e99", "#62b6e0"), "hip": ("#c2410c", "#f59e5b"),
                "ankle": ("#2b8a3e", "#8ce99a"), "elbow": ("#7048e8", "#b197fc"),
                "shoulder": ("#c2255c", "#f783ac"), "trunk": ("#3a3f47", "#3a3f47")}
PLOT_GROUPS = (("Knee, hip and ankle", ("knee", "hip", "ankle")),
               ("Elbow and shoulder", ("elbow", "shoulder")), ("Trunk", ("trunk",)))
W, PAD_L, PAD_R = 920, 48, 12
MAX_POINTS = 1500

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:960px;
color:#1f2328;background:#fff;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dee4}
h3{font-size:15px;margin:18px 0 6px}table{border-collapse:collapse;margin:6px 0}
td,th{border:1px solid #d8dee4;padding:3px 8px;text-align:right}th{background:#f3f5f7}
td:first-child,th:first-child{text-align:left}.muted{color:#656d76}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:11px;height:11px;
border-radius:2px;margin-right:4px;vertical-align:-1px}.fall{color:#c62828;font-weight:600}
svg{display:block;margin:4px 0}svg text{font:11px system-ui,sans-serif;fill:#3a3f47}
"""


def _t(seconds: float) -> str:
    m, s = divmod(max(0.0, seconds), 60)
    return f"{int(m)}:{s:04.1f}"


def _x(t: float, t0: float, t1: float) -> float:
    return PAD_L + (t - t0) / max(t1 - t0, 1e-9) * (W - PAD_L - PAD_R)


def _axis(t0: float, t1: float, top: float, bottom: float) -> str:
    span = max(t1 - t0, 1e-9)
    step = next(s for s in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1e9) if span / s <= 10)
    out = []
    k = np.ceil(t0 / step) * step
    while k <= t1 + 1e-9:
        x = _x(k, t0, t1)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#eef0f3"/>'
                   f'<text x="{x:.1f}" y="{bottom + 13}" text-anchor="middle">{k:g} s</text>')
        k += step
    return "".join(out)


def _polylines(times: np.ndarray, values: np.ndarray, t0, t1, y0, y1, top, bottom, color) -> str:
    stride = max(1, len(times) // MAX_POINTS)
    t, v = times[::stride], values[::stride]
    out, run = [], []
    for ti, vi in zip(t, v):
        if np.isfinite(vi):
            y = bottom - (vi - y0) / max(y1 - y0, 1e-9) * (bottom - top)
            run.append(f"{_x(ti, t0, t1):.1f},{y:.1f}")
        elif run:
            out.append(run)
            run = []
    if run:
        out.append(run)
    return "".join(f'<polyline fill="none" stroke="{color}" stroke-width="1.6" '
                   f'points="{" ".join(r)}"/>' if len(r) > 1 else
                   f'<circle cx="{r[0].split(",")[0]}" cy="{r[0].split(",")[1]}" r="1.6" '
                   f'fill="{color}"/>' for r in out)


def angle_plot(person: PersonAnalysis, title: str, joints: tuple[str, ...],
               t0: float, t1: float) -> str:
    cols = [(k, a) for k, a in enumerate(ANGLES) if a.name.split()[-1] in joints]
    values = person.angles[:, [k for k, _ in cols]] if cols else np.empty((0, 0))
    finite = values[np.isfinite(values)] if values.size else values
    if not finite.size:
        return f'<p class="muted">{escape(title)}: not measured (landmarks not seen).</p>'
    lo, hi = float(min(0.0, finite.min())), float(max(finite.max(), 10.0))
    tick = next(t for t in (5, 10, 15, 20, 30, 45, 60, 90) if (hi - lo) / t <= 6)
    lo, hi = np.floor(lo / tick) * tick, np.ceil(hi / tick) * tick
    top, bottom, h = 10, 170, 190
    parts = [f'<svg width="{W}" height="{h}" viewBox="0 0 {W} {h}" role="img" '
             f'aria-label="{escape(title)} angles over time">', _axis(t0, t1, top, bottom)]
    for g in np.arange(lo, hi + tick / 2, tick):
        y = bottom - (g - lo) / max(hi - lo, 1e-9) * (bottom - top)
        parts.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" '
                     f'stroke="#eef0f3"/><text x="{PAD_L - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{g:g}\u00b0</text>')
    legend = []
    for k, a in cols:
        side, joint = a.name.split()[0], a.name.split()[-1]
        color = JOINT_COLORS[joint][1 if side == "right" else 0]
        parts.append(_polylines(person.times, person.angles[:, k], t0, t1, lo, hi, top, bottom,
                                color))
        legend.append(f'<span><i class="sw" style="background:{color}"></i>{escape(a.label)}</span>')
    parts.append("</svg>")
    return f'<h3>{escape(title)}</h3><div class="legend">{"".join(legend)}</div>{"".join(parts)}'


def timeline(analysis: Analysis, person: PersonAnalysis, t0: float, t1: float) -> str:
    """Activity bands of one person over the whole video, with event marks."""
    h, top, bottom = 64, 18, 44
    parts = [f'<svg width="{W}" height="{h}" viewBox="0 0 {W} {h}" role="img" '
             f'aria-label="activity of person {person.person_id}">',
             f'<rect x="{PAD_L}" y="{top}" width="{W - PAD_L - PAD_R}" height="{bottom - top}" '
             f'fill="#f6f8fa"/>']
    for seg in person.segments:
        x0, x1 = _x(seg.start_s, t0, t1), _x(seg.end_s, t0, t1)
        parts.append(f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 0.8):.1f}" '
                     f'height="{bottom - top}" fill="{STATE_COLORS[seg.state]}">'
                     f'<title>{seg.state} {_t(seg.start_s)}-{_t(seg.end_s)}</title></rect>')
    for e in analysis.events:
        if e.person_id != person.person_id:
            continue
        x = _x(e.time_s, t0, t1)
        color = EVENT_COLORS.get(e.kind, "#3a3f47")
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom + 2}" '
                     f'stroke="{color}" stroke-width="{2.5 if e.kind == "fall" else 1.2}"/>'
                     f'<text x="{x:.1f}" y="{top - 6}" text-anchor="middle" fill="{color}">'
                     f'{escape(e.kind)} {_t(e.time_s)}</text>')
    parts.append(_axis(t0, t1, bottom, bottom).replace('stroke="#eef0f3"', 'stroke="none"'))
    parts.append("</svg>")
    return "".join(parts)


def _rom_table(person: PersonAnalysis) -> str:
    rows = []
    for label, r in person.rom.items():
        if r["samples"]:
            rows.append(f"<tr><td>{escape(label)}</td><td>{r['min']:.1f}</td><td>{r['max']:.1f}"
                        f"</td><td>{r['max'] - r['min']:.1f}</td><td>{r['mean']:.1f}</td>"
                        f"<td>{r['seconds']:.1f}</td></tr>")
        else:
            rows.append(f'<tr><td>{escape(label)}</td><td colspan="5" class="muted">not '
                        f"measured</td></tr>")
    return ("<table><tr><th>angle (degrees)</th><th>min</th><th>max</th><th>range</th>"
            f"<th>mean</th><th>seconds measured</th></tr>{''.join(rows)}</table>")


def _person(analysis: Analysis, person: PersonAnalysis, t0: float, t1: float) -> str:
    times = time_in_states(person.segments)
    states = ", ".join(f'<span class="sw" style="background:{STATE_COLORS[s]}"></span>'
                       f"{s} {times[s]:.1f} s" for s in STATES if times[s] > 0)
    cad = person.cadences
    cadence = (f"walking cadence {', '.join(f'{c:.0f}' for c in cad)} steps/min"
               if cad else "no walking cadence measured")
    plots = "".join(angle_plot(person, title, joints, t0, t1) for title, joints in PLOT_GROUPS)
    return (f'<h2 id="person-{person.person_id}">Person #{person.person_id}</h2>'
            f'<p>Seen {_t(person.first_s)} to {_t(person.last_s)}. {states}. {cadence}.</p>'
            f"{timeline(analysis, person, t0, t1)}<h3>Range of motion</h3>{_rom_table(person)}"
            f"{plots}")


def _events(analysis: Analysis) -> str:
    if not analysis.events:
        return "<p>No event.</p>"
    rows = "".join(
        f'<tr{" class=fall" if e.kind == "fall" else ""}><td>{_t(e.time_s)}</td>'
        f"<td>{escape(e.kind)}</td><td>#{e.person_id}</td><td>{e.confidence:.2f}</td>"
        f"<td>{escape(e.detail)}</td></tr>" for e in analysis.events)
    return ("<table><tr><th>time</th><th>event</th><th>person</th><th>confidence</th>"
            f"<th>detail</th></tr>{rows}</table>")


def _legend() -> str:
    return '<div class="legend">' + "".join(
        f'<span><i class="sw" style="background:{c}"></i>{s}</span>'
        for s, c in STATE_COLORS.items()) + "</div>"


def _settings(analysis: Analysis, generator: str) -> str:
    s = analysis.settings
    return (f"<table><tr><td>angle filter</td><td>zero-lag Butterworth low-pass, "
            f"{s.cutoff_hz:g} Hz asked, {analysis.cutoff_used_hz:g} Hz used</td></tr>"
            f"<tr><td>shortest track analysed</td><td>{s.min_track_s:g} s "
            f"({analysis.short_tracks} shorter left out)</td></tr>"
            f"<tr><td>video</td><td>{analysis.width}\u00d7{analysis.height}, "
            f"{analysis.fps:.2f} fps, {analysis.frames} frames</td></tr>"
            f"<tr><td>made by</td><td>{escape(generator)}</td></tr></table>")


_F = fall_detector
METHOD = (
    "<p>Angles are measured in the picture (2D), in degrees, 0 in the standing posture "
    "(knee, hip and elbow flexion; shoulder elevation from the trunk line; ankle "
    "dorsiflexion, negative for plantarflexion; trunk lean from vertical), only where every "
    "landmark they need was confidently seen, then filtered. Activity uses the trunk's lean, "
    "the thighs' direction and length against the shins' (a thigh pointing at the camera "
    "looks short: seated, seen from the front), and the hips' and ankles' motion, in the "
    "person's own torso lengths.</p>"
    "<p>A fall, measured in the person's body size S (their longest torso in the last "
    f"{_F.HISTORY_S:g} s; the floor is the lowest their feet were seen then): the body ends "
    f"down (the trunk over {_F.LYING_LEAN_DEG:g}\u00b0 from vertical, in the picture or "
    "towards the camera, where the torso looks shorter, with the hips under "
    f"{_F.BENT_HEIGHT:g} S above the floor; or leaning over {_F.UPRIGHT_LEAN_DEG:g}\u00b0 "
    f"with the hips under {_F.SLUMP_HEIGHT:g} S), and got there within "
    f"{_F.TRANSITION_S:g} s either by the trunk turning from upright to lying within "
    f"{_F.TIP_S:g} s, or by the hips going down {_F.DROP:g} S (ending lying) or "
    f"{_F.COLLAPSE_DROP:g} S (ending low) at some moment faster than {_F.FALL_SPEED:g} S a "
    f"second; then the body stays down with the hips within {_F.STILL:g} S of one place for "
    f"{_F.HOLD_S:g} s. Falls from standing, walking, a chair or a bed, onto the floor or a "
    "bed, are found this way; the time given is when the fall began, the live alert comes "
    "when it is confirmed.</p><p class=\"muted\">Limits: one camera sees no depth, so "
    "a limb pointing at the camera looks short and its angle is not its true angle; left "
    "and right can be swapped by the model in back views; a collapse slower than the speed "
    "above is taken for sitting or lying down on purpose; a person the pose model loses on "
    "the floor, or who falls out of view or behind furniture, is not seen. Check any alert "
    "before acting on it.</p>")


# Measured on GMDCSA24 (README, Standard body): on a standard-body file the
# activity and the joint angles are the real ones (the retargeting keeps
# directions), but a fall's time moved by 0.13 s (the template's size and
# anchoring move the hips), so the report says where its figures come from.
STANDARD_BODY_NOTE = (
    "<strong>Analysed from the standard body</strong> (a template figure, not the "
    "person's own landmarks): angles and activity are nearly the real ones, fall times "
    "may differ by a few frames. For the real analysis, analyse the video, or a "
    "keypoint file made with <code>--no-standard-body</code>.")


def report_html(analysis: Analysis, generator: str = "PoseCloak") -> str:
    """The whole page as one string."""
    title = analysis.settings.title.strip() or "Motion analysis"
    t0, t1 = analysis.start_s, max(analysis.end_s, analysis.start_s + 1e-3)
    falls = [e for e in analysis.events if e.kind == "fall"]
    summary = (f"{_t(t1 - t0)} of video, {len(analysis.people)} "
               f"{'person' if len(analysis.people) == 1 else 'people'} analysed, "
               f"{len(falls)} fall{'s' if len(falls) != 1 else ''} detected.")
    if analysis.standard_body:
        summary += f" {STANDARD_BODY_NOTE}"
    people = "".join(_person(analysis, p, t0, t1) for p in analysis.people) or \
        "<p>Nobody was found in this video.</p>"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1><p>{summary}</p><h2>Events</h2>{_events(analysis)}"
            f"<h2>Activity</h2>{_legend()}{people}<h2>Settings used</h2>"
            f"{_settings(analysis, generator)}<h2>Method and limits</h2>{METHOD}</body></html>\n")
