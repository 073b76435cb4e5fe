import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from bookings import images
from tests.factories import image_bytes


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_claiming_size(width, height) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb in a few bytes."""
    data = bytearray(image_bytes(fmt="PNG", size=(1, 1)))
    ihdr = 8 + 8  # signature, then the IHDR chunk's length and type
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13])))
    return bytes(data)


def refusal(data, **kwargs):
    with pytest.raises(ValidationError) as caught:
        images.process_upload(upload(data, **kwargs))
    return caught.value


def test_text_file_named_jpg_is_refused():
    error = refusal(b"just some notes, not a picture\n" * 10, name="notes.jpg")
    assert error.code == "not_an_image"
    assert error.message == images.MSG_NOT_AN_IMAGE


def test_svg_is_refused_even_with_an_image_content_type():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
    assert refusal(svg, name="logo.svg", content_type="image/svg+xml").code == "not_an_image"


def test_gif_is_refused():
    assert refusal(image_bytes(fmt="GIF"), name="anim.gif").code == "not_an_image"


def test_file_over_the_size_limit_is_refused_before_decoding(settings):
    data = b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024)
    error = refusal(data)
    assert error.code == "too_big"
    assert "10.0\xa0MB" in error.messages[0]


def test_decompression_bomb_is_refused():
    assert refusal(png_claiming_size(30_000, 30_000), name="bomb.png").code == "too_many_pixels"


def test_image_just_over_40_megapixels_is_refused():
    # 8000 × 5001 is under Pillow's own bomb limit, so this is our check at work.
    assert refusal(png_claiming_size(8000, 5001), name="huge.png").code == "too_many_pixels"


def test_truncated_jpeg_is_refused():
    data = image_bytes(size=(400, 300))
    assert refusal(data[: len(data) // 2]).code == "damaged"


def test_empty_file_is_refused():
    assert refusal(b"").code == "empty"


def gps_exif(orientation=None):
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (37.0, 34.0, 8.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (126.0, 58.0, 40.0)
    exif[ExifTags.Base.Make] = "PhoneCo"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    return exif


def test_gps_exif_is_removed_and_orientation_applied():
    original = image_bytes(size=(64, 48), exif=gps_exif(orientation=6))  # 6: rotate 90° to view
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test data has GPS

    processed = images.process_upload(upload(original))

    cleaned = Image.open(io.BytesIO(processed.original))
    assert cleaned.format == "JPEG"
    assert "exif" not in cleaned.info
    assert not cleaned.getexif()
    assert cleaned.size == (48, 64)  # turned upright before the orientation tag was dropped
    assert (processed.width, processed.height) == (48, 64)
    for data in processed.derived.values():
        assert not Image.open(io.BytesIO(data)).getexif()


def test_derived_sizes_are_webp_within_their_boxes():
    processed = images.process_upload(upload(image_bytes(size=(2400, 1800))))
    assert set(processed.derived) == {"thumb", "card", "large"}
    for name, (width, height) in images.DERIVED_SIZES.items():
        derived = Image.open(io.BytesIO(processed.derived[name]))
        assert derived.format == "WEBP"
        assert derived.width <= width and derived.height <= height
        assert max(derived.size) == max(width, height)  # the 4:3 source fills its box
    assert processed.derived_name("card").endswith("-card.webp")


@pytest.mark.parametrize(("fmt", "extension"), [("PNG", "png"), ("WEBP", "webp"), ("JPEG", "jpg")])
def test_png_webp_and_jpeg_are_accepted_whatever_their_name(fmt, extension):
    processed = images.process_upload(upload(image_bytes(fmt=fmt), name="upload.bin", content_type="text/plain"))
    assert processed.extension == extension
    assert Image.open(io.BytesIO(processed.original)).format == fmt


def test_transparent_png_keeps_transparency_in_webp():
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 30), (255, 0, 0, 0)).save(buffer, format="PNG")
    processed = images.process_upload(upload(buffer.getvalue(), name="logo.png"))
    assert Image.open(io.BytesIO(processed.derived["thumb"])).mode == "RGBA"
