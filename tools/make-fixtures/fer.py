#!/usr/bin/env python3
"""Writes Fixtures/fer/fer2013-mini.csv: a small data set in FER2013's exact layout (header
emotion,pixels,Usage; 48x48 grey levels space-separated; Usage Training/PublicTest/PrivateTest), since
no FER data may be shipped. Each face is drawn: a head outline, two eyes and a mouth whose shape tells
the class (0 angry: slanted brows, 1 disgust: wavy mouth, 2 fear: wide eyes and a small mouth, 3 happy:
smile, 4 sad: frown, 5 surprise: round open mouth, 6 neutral: straight mouth), jittered in position,
size and brightness, on a dark noisy background. Deterministic: rerunning gives the same bytes."""
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Fixtures", "fer", "fer2013-mini.csv")
SIDE = 48
PER_CLASS = {"Training": 14, "PublicTest": 3, "PrivateTest": 3}
rng = np.random.default_rng(2013)
yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)


def stroke(image, mask, level):
    image[mask] = np.maximum(image[mask], level)


def line(image, y0, x0, y1, x1, level, width=1.2):
    """A straight stroke from (y0, x0) to (y1, x1)."""
    dy, dx = y1 - y0, x1 - x0
    t = np.clip(((yy - y0) * dy + (xx - x0) * dx) / (dy * dy + dx * dx), 0, 1)
    stroke(image, np.hypot(yy - (y0 + t * dy), xx - (x0 + t * dx)) <= width, level)


def face(emotion, cy, cx, r, level):
    image = rng.integers(0, 10, size=(SIDE, SIDE)).astype(np.float64)
    stroke(image, np.abs(np.hypot(yy - cy, xx - cx) - r) <= 1.2, level * 0.8)  # head outline
    eye_y, eye_dx = cy - 0.3 * r, 0.38 * r
    eye_r = 0.2 * r if emotion == 2 else 0.11 * r
    for side in (-1, 1):
        stroke(image, np.hypot(yy - eye_y, xx - (cx + side * eye_dx)) <= eye_r, level)
        if emotion == 0:  # brows slanting down towards the nose
            line(image, eye_y - 0.32 * r, cx + side * 0.6 * r, eye_y - 0.15 * r, cx + side * 0.15 * r, level)
    mouth_y, half = cy + 0.42 * r, 0.42 * r
    u = (xx - cx) / half
    inside = np.abs(u) <= 1
    if emotion in (3, 4):  # smile (middle low, ends up) or frown (middle high, ends down)
        bend = 0.25 * r if emotion == 3 else -0.25 * r
        stroke(image, inside & (np.abs(yy - (mouth_y + bend * (1 - u ** 2) - bend / 2)) <= 1.1), level)
    elif emotion == 1:  # wavy mouth
        stroke(image, inside & (np.abs(yy - (mouth_y + 0.1 * r * np.sin(3 * np.pi * u))) <= 1.1), level)
    elif emotion == 5:  # round open mouth
        stroke(image, np.abs(np.hypot(yy - mouth_y, xx - cx) - 0.2 * r) <= 1.1, level)
    elif emotion == 2:  # small mouth
        stroke(image, (np.abs(xx - cx) <= 0.15 * r) & (np.abs(yy - mouth_y) <= 1.0), level)
    else:  # angry and neutral: a straight mouth
        stroke(image, inside & (np.abs(yy - mouth_y) <= 1.0), level)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def main():
    rows = []
    for usage, count in PER_CLASS.items():
        for emotion in range(7):
            for _ in range(count):
                cy, cx = SIDE / 2 + rng.uniform(-2.5, 2.5), SIDE / 2 + rng.uniform(-2.5, 2.5)
                pixels = face(emotion, cy, cx, rng.uniform(16, 20), rng.uniform(150, 255))
                rows.append((emotion, " ".join(map(str, pixels.ravel())), usage))
    order = rng.permutation(len(rows))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", newline="") as f:
        f.write("emotion,pixels,Usage\n")
        for i in order:
            emotion, pixels, usage = rows[i]
            f.write(f'{emotion},"{pixels}",{usage}\n')
    print(f"wrote {OUT}: {len(rows)} faces")


if __name__ == "__main__":
    main()
