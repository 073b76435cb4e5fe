"""Demo photos drawn with Pillow, so seeding needs no downloads."""

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

PALETTES = [
    ((181, 62, 40), (244, 211, 94)),
    ((36, 84, 64), (220, 232, 186)),
    ((40, 55, 110), (238, 200, 160)),
    ((120, 40, 90), (250, 225, 230)),
    ((90, 70, 40), (240, 230, 210)),
    ((20, 100, 120), (250, 240, 200)),
]


def draw_photo(*, seed: str, title: str, size=(1200, 900)) -> SimpleUploadedFile:
    """A table seen from above: a tinted cloth, plates and a caption. Deterministic per seed."""
    rng = random.Random(seed)
    dark, light = rng.choice(PALETTES)
    width, height = size
    image = Image.new("RGB", size, light)
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 60):  # tablecloth stripes
        draw.rectangle([0, y, width, y + 24], fill=tuple(max(0, c - 12) for c in light))
    for _ in range(rng.randint(3, 6)):
        cx, cy, r = rng.randint(150, width - 150), rng.randint(150, height - 250), rng.randint(70, 140)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(250, 250, 250), outline=dark, width=6)
        inner = r - 30
        food = tuple(max(0, min(255, c + rng.randint(-40, 40))) for c in dark)
        draw.ellipse([cx - inner, cy - inner, cx + inner, cy + inner], fill=food)
    draw.rectangle([0, height - 150, width, height], fill=dark)
    font = ImageFont.load_default(size=64)
    draw.text((40, height - 120), title, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82)
    return SimpleUploadedFile(f"{seed}.jpg", buffer.getvalue(), content_type="image/jpeg")
