"""Checking and preparing uploaded restaurant photos.

An upload is trusted only after Pillow has decoded every pixel of it: the file
name and the declared content type say nothing. The original is re-encoded
after applying its EXIF orientation, which drops the EXIF block (GPS position,
camera serial) and any other metadata; the derived sizes are made once, here,
so pages never resize on the fly. Nothing in this module touches storage.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

MAX_PIXELS = 40_000_000
# Pillow format name -> (file extension, save options for the cleaned original)
ACCEPTED_FORMATS = {
    "JPEG": ("jpg", {"quality": 90, "optimize": True}),
    "PNG": ("png", {"optimize": True}),
    "WEBP": ("webp", {"quality": 90}),
}
# Longest edges of the derived WebP images, named after the photo's fields.
DERIVED_SIZES = {"thumb": (320, 240), "card": (800, 600), "large": (1600, 1200)}
DERIVED_QUALITY = 82
WEBP_METHOD = 2  # of 0-6: about three times faster than the default 4, files a few percent larger

MSG_TOO_BIG = _("The file is too large (%(size)s). Photos may be up to %(max)s.")
MSG_NOT_AN_IMAGE = _("This file is not a JPEG, PNG or WebP image.")
MSG_TOO_MANY_PIXELS = _("The image has too many pixels. Photos may have up to %(max)s megapixels.")
MSG_DAMAGED = _("The image could not be read completely; the file may be damaged or cut short.")
MSG_EMPTY = _("The file is empty.")


@dataclass
class ProcessedImage:
    """A checked image ready to store: the cleaned original and its derived sizes, as bytes."""

    stem: str
    extension: str
    original: bytes
    width: int
    height: int
    derived: dict[str, bytes] = field(default_factory=dict)

    @property
    def original_name(self) -> str:
        return f"{self.stem}.{self.extension}"

    def derived_name(self, size: str) -> str:
        return f"{self.stem}-{size}.webp"


def _read(upload) -> bytes:
    limit = settings.MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            MSG_TOO_BIG, code="too_big", params={"size": filesizeformat(size), "max": filesizeformat(limit)}
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:  # the declared size was wrong
        raise ValidationError(
            MSG_TOO_BIG, code="too_big", params={"size": filesizeformat(len(data)), "max": filesizeformat(limit)}
        )
    if not data:
        raise ValidationError(MSG_EMPTY, code="empty")
    return data


def _too_many_pixels() -> ValidationError:
    return ValidationError(MSG_TOO_MANY_PIXELS, code="too_many_pixels", params={"max": MAX_PIXELS // 1_000_000})


def _decode(data: bytes) -> Image.Image:
    """Open and fully decode the bytes, refusing anything that is not a sound JPEG, PNG or WebP."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; here any bomb is an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_many_pixels()
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except Image.UnidentifiedImageError:
        raise ValidationError(MSG_NOT_AN_IMAGE, code="not_an_image") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(MSG_DAMAGED, code="damaged") from None
    if image.format not in ACCEPTED_FORMATS:  # pragma: no cover — Image.open(formats=...) already refuses
        raise ValidationError(MSG_NOT_AN_IMAGE, code="not_an_image")
    return image


def _for_web(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the image has transparency (WebP keeps it)."""
    if image.mode in ("RGB", "RGBA"):
        return image
    if image.mode in ("LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return image.convert("RGBA")
    return image.convert("RGB")


def process_upload(upload) -> ProcessedImage:
    """Check an uploaded file and prepare the cleaned original plus derived sizes.

    Raises ValidationError (codes: too_big, empty, not_an_image, too_many_pixels, damaged).
    """
    data = _read(upload)
    decoded = _decode(data)
    source_format = decoded.format
    extension, save_options = ACCEPTED_FORMATS[source_format]
    icc_profile = decoded.info.get("icc_profile")
    # Turn the pixels the way the camera meant, then forget the EXIF block entirely.
    clean = ImageOps.exif_transpose(decoded)
    clean.info = {}  # EXIF, XMP, PNG text chunks: none of it is carried over
    if source_format == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")  # CMYK and friends
    elif clean.mode not in ("RGB", "RGBA", "L", "LA", "P", "PA"):
        clean = _for_web(clean)  # 16-bit and other exotic modes
    if icc_profile:
        save_options = {**save_options, "icc_profile": icc_profile}  # colours stay right; no personal data
    original = io.BytesIO()
    clean.save(original, format=source_format, **save_options)

    processed = ProcessedImage(
        stem=uuid.uuid4().hex,
        extension=extension,
        original=original.getvalue(),
        width=clean.width,
        height=clean.height,
    )
    # Largest first, each made from the one before: the same result for a fraction of the work.
    resized = _for_web(clean)
    for name, box in sorted(DERIVED_SIZES.items(), key=lambda item: -item[1][0]):
        resized = resized.copy()
        resized.thumbnail(box, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        resized.save(out, format="WEBP", quality=DERIVED_QUALITY, method=WEBP_METHOD)
        processed.derived[name] = out.getvalue()
    return processed
