"""Photo processing: accepted formats, limits, orientation, colours, and above all: no metadata survives."""

import io
import time
import warnings

import pillow_heif
import pytest
from PIL import Image, ImageFile

from defects import photos
from defects.errors import ReportErrorCode
from defects.photos import PhotoError, photo_gps, photo_process
from tests.defects import images
from tests.defects.images import upload

HEIC_ENCODER = bool(pillow_heif.libheif_info().get("HEIF"))


def process(data: bytes, name: str = "foto.jpg") -> photos.ProcessedPhoto:
    return photo_process(upload=upload(data, name=name))


def refusal(data: bytes, name: str = "foto.jpg") -> PhotoError:
    with pytest.raises(PhotoError) as caught:
        process(data, name=name)
    return caught.value


def reopen(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def assert_no_metadata(content: bytes) -> None:
    """Check the output bytes themselves, then what Pillow finds in them."""
    markers = [marker for marker, _payload in images.jpeg_segments(content)]
    app_segments = [
        (marker, payload) for marker, payload in images.jpeg_segments(content) if 0xE0 <= marker <= 0xEF
    ]
    # Only the JFIF header may remain: no EXIF/XMP (APP1), ICC (APP2), IPTC (APP13), Adobe (APP14) …
    assert all(marker == 0xE0 and payload.startswith(b"JFIF\x00") for marker, payload in app_segments)
    assert 0xFE not in markers, "JPEG comment segment"
    for forbidden in (
        b"Exif",
        b"http://ns.adobe.com/xap",
        b"ICC_PROFILE",
        images.CAMERA_MAKE.encode(),
        images.CAMERA_MODEL.encode(),
        images.SERIAL.encode(),
        images.CAMERA_DATETIME.encode(),
        images.COMMENT,
        images.PNG_TEXT.encode(),
        b"Mustermann",
    ):
        assert forbidden not in content
    image = reopen(content)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert not image.getexif().get_ifd(0x8825)
    assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "adobe"} & set(
        image.info
    )


def colour_close(actual: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


# Metadata removal


def test_jpeg_output_has_no_metadata_at_all():
    # given a camera JPEG with EXIF (make, model, time, serial, GPS, orientation), XMP, comment and ICC
    source = images.camera_jpeg(orientation=6, icc_profile=images.swapped_primaries_icc())
    assert b"Exif" in source and images.XMP_NS in source and images.COMMENT in source

    # when
    result = process(source)

    # then
    assert_no_metadata(result.content)
    assert result.extension == "jpg"


def test_png_text_chunks_and_exif_are_dropped():
    source = images.transparent_png()
    assert images.PNG_TEXT.encode() in source

    assert_no_metadata(process(source, name="bild.png").content)


def test_webp_metadata_is_dropped():
    assert_no_metadata(process(images.webp_with_metadata(), name="bild.webp").content)


def test_output_is_a_progressive_jpeg_with_the_reported_size():
    result = process(images.camera_jpeg())

    image = reopen(result.content)
    assert image.size == (result.width, result.height)
    assert image.mode == "RGB"
    assert image.info.get("progressive") or image.info.get("progression")


# GPS


def test_gps_position_is_read_before_stripping():
    result = process(images.camera_jpeg())

    assert result.gps is not None
    assert result.gps.srid == 4326
    assert result.gps.x == pytest.approx(images.GPS_LON, abs=1e-6)
    assert result.gps.y == pytest.approx(images.GPS_LAT, abs=1e-6)


def test_photo_gps_proposes_the_pin():
    point = photo_gps(upload=upload(images.camera_jpeg()))

    assert point is not None
    assert (point.x, point.y) == (
        pytest.approx(images.GPS_LON, abs=1e-6),
        pytest.approx(images.GPS_LAT, abs=1e-6),
    )


def test_gps_from_png_and_webp():
    for data in (images.transparent_png(), images.webp_with_metadata()):
        point = photo_gps(upload=upload(data))
        assert point is not None
        assert point.y == pytest.approx(images.GPS_LAT, abs=1e-6)


def test_southern_and_western_positions_are_negative():
    gps = images.gps_ifd(lat_ref="S", lon_ref="W")

    point = photo_gps(upload=upload(images.camera_jpeg(gps=gps)))

    assert point.x == pytest.approx(-images.GPS_LON, abs=1e-6)
    assert point.y == pytest.approx(-images.GPS_LAT, abs=1e-6)


@pytest.mark.parametrize(
    "gps",
    [
        pytest.param(images.gps_ifd(lat=(95, 0, 0)), id="latitude-out-of-range"),
        pytest.param(images.gps_ifd(lon=(200, 0, 0)), id="longitude-out-of-range"),
        pytest.param(images.gps_ifd(lat=(0, 0, 0), lon=(0, 0, 0)), id="null-island"),
        pytest.param(images.gps_ifd(lat_ref="X"), id="bad-reference"),
        pytest.param(images.gps_ifd(lat=(52, 75, 0)), id="minutes-over-60"),
        pytest.param({**images.gps_ifd(), images.GPS_STATUS: "V"}, id="receiver-without-fix"),
        pytest.param({images.GPS_LAT_REF: "N", images.GPS_LAT_TAG: images.GPS_DMS[0]}, id="no-longitude"),
    ],
)
def test_nonsense_gps_gives_no_position(gps):
    data = images.camera_jpeg(gps=gps)

    assert photo_gps(upload=upload(data)) is None
    assert process(data).gps is None


def test_photo_without_gps_has_no_position():
    data = images.camera_jpeg(with_gps=False)

    assert photo_gps(upload=upload(data)) is None
    assert process(data).gps is None


def test_photo_gps_of_a_non_image_is_none():
    assert photo_gps(upload=upload(b"kein Bild", name="foto.jpg")) is None
    assert photo_gps(upload=upload(images.png_header_only(50_000, 50_000))) is None


# Pixels: orientation, colours, size


def test_exif_orientation_is_applied():
    # given a 20×10 picture, red left and blue right, that the camera says to turn 90° clockwise
    result = process(images.camera_jpeg(orientation=6))

    # then it comes out upright: 10×20, red on top
    assert (result.width, result.height) == (10, 20)
    image = reopen(result.content)
    assert colour_close(image.getpixel((5, 2)), images.RED)
    assert colour_close(image.getpixel((5, 17)), images.BLUE)


def test_long_edge_is_limited_to_the_default_2048():
    source = images.encode(Image.new("RGB", (3000, 1000), (10, 120, 200)), "PNG")

    result = process(source, name="panorama.png")

    assert (result.width, result.height) == (2048, 683)
    assert reopen(result.content).size == (2048, 683)


def test_max_edge_comes_from_settings_at_call_time(settings):
    settings.REPORT_PHOTO_MAX_EDGE = 100
    source = images.encode(images.noise((300, 600)), "JPEG", quality=90)

    result = process(source)

    assert (result.width, result.height) == (50, 100)


def test_small_photos_are_not_enlarged():
    result = process(images.camera_jpeg())

    assert (result.width, result.height) == (20, 10)


def test_transparency_is_flattened_on_white():
    result = process(images.transparent_png(), name="bild.png")

    image = reopen(result.content)
    assert colour_close(image.getpixel((2, 5)), images.RED)
    assert colour_close(image.getpixel((17, 5)), (255, 255, 255), tolerance=6)


def test_palette_transparency_is_flattened_on_white():
    image = reopen(process(images.palette_png_with_transparency(), name="bild.png").content)

    assert colour_close(image.getpixel((1, 5)), images.RED)
    assert colour_close(image.getpixel((8, 5)), (255, 255, 255), tolerance=6)


def test_embedded_colour_profile_is_converted_to_srgb_then_dropped():
    # given pixels that are "red" in a profile whose red primary is sRGB's blue
    red_in_profile = Image.new("RGB", (16, 16), images.RED)
    source = images.camera_jpeg(image=red_in_profile, icc_profile=images.swapped_primaries_icc())

    image = reopen(process(source).content)

    assert colour_close(image.getpixel((8, 8)), images.BLUE)
    assert "icc_profile" not in image.info


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    source = images.encode(Image.new("I;16", (8, 8), 40_000), "PNG")

    image = reopen(process(source, name="grau.png").content)

    assert colour_close(image.getpixel((4, 4)), (156, 156, 156), tolerance=3)


def test_cmyk_jpeg_becomes_rgb():
    source = images.encode(Image.new("CMYK", (8, 8), (0, 0, 0, 0)), "JPEG")

    image = reopen(process(source).content)

    assert image.mode == "RGB"
    assert colour_close(image.getpixel((4, 4)), (255, 255, 255), tolerance=6)


def test_mpo_from_a_phone_uses_the_first_picture():
    first, second = Image.new("RGB", (20, 10), images.RED), Image.new("RGB", (20, 10), images.BLUE)
    source = images.encode(first, "MPO", save_all=True, append_images=[second])

    image = reopen(process(source).content)

    assert colour_close(image.getpixel((10, 5)), images.RED)


@pytest.mark.skipif(not HEIC_ENCODER, reason="libheif here has no HEVC encoder to create a HEIC test file")
def test_heic_is_decoded_oriented_and_stripped():
    # given an iPhone-style HEIC (64×32, to be shown turned 90° clockwise) with EXIF incl. GPS
    source = images.heic_with_metadata(orientation=6)
    assert source[4:12] == b"ftypheic"

    result = process(source, name="IMG_0001.HEIC")

    assert (result.width, result.height) == (32, 64)
    assert result.gps.y == pytest.approx(images.GPS_LAT, abs=1e-6)
    assert_no_metadata(result.content)
    image = reopen(result.content)
    assert colour_close(image.getpixel((16, 4)), images.RED, tolerance=60)
    assert colour_close(image.getpixel((16, 60)), images.BLUE, tolerance=60)


# Refusals


@pytest.mark.parametrize("kind", ["gif", "bmp", "tiff", "ico", "svg"])
def test_other_image_formats_are_unsupported(kind):
    error = refusal(images.other_formats()[kind], name=f"bild.{kind}")

    assert error.code == ReportErrorCode.PHOTO_UNSUPPORTED_FORMAT
    assert "JPEG, PNG, WebP oder HEIC" in error.message


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"Dies ist eine Textdatei und kein Foto.\n", id="text-named-jpg"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", id="pdf"),
        pytest.param(b"", id="empty"),
    ],
)
def test_non_images_are_refused(data):
    error = refusal(data, name="foto.jpg")

    assert error.code == ReportErrorCode.PHOTO_NOT_IMAGE
    assert error.message.startswith("Die Datei ist kein Bild.")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(images.truncated_jpeg(), id="truncated-jpeg"),
        pytest.param(images.truncated_png(), id="truncated-png"),
        pytest.param(
            b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"kaputt" * 20, id="jpeg-signature-then-garbage"
        ),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"kaputt" * 20, id="png-signature-then-garbage"),
    ],
)
def test_damaged_files_are_corrupt(data):
    error = refusal(data)

    assert error.code == ReportErrorCode.PHOTO_CORRUPT


def test_truncated_images_are_not_accepted_globally():
    refusal(images.truncated_jpeg())

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_file_over_the_byte_limit_is_refused(settings):
    settings.REPORT_PHOTO_MAX_BYTES = 2 * 1024 * 1024
    data = images.encode(images.noise((1200, 1200)), "PNG")
    assert len(data) > settings.REPORT_PHOTO_MAX_BYTES

    error = refusal(data, name="gross.png")

    assert error.code == ReportErrorCode.PHOTO_TOO_LARGE
    assert "höchstens 2,0\xa0MB" in error.message


def test_byte_limit_does_not_trust_the_claimed_size(settings):
    # given an upload that claims to be tiny but is not
    settings.REPORT_PHOTO_MAX_BYTES = 1000
    reads: list[int] = []

    class CountingFile(io.BytesIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    file = upload(b"")
    file.file = CountingFile(images.encode(images.noise((100, 100)), "PNG"))
    file.size = 10

    # when / then: refused, and never more than limit + 1 bytes were read
    with pytest.raises(PhotoError) as caught:
        photo_process(upload=file)
    assert caught.value.code == ReportErrorCode.PHOTO_TOO_LARGE
    assert reads == [1001]


def test_too_many_pixels_by_setting(settings):
    settings.REPORT_PHOTO_MAX_PIXELS = 100

    error = refusal(images.camera_jpeg())  # 20 × 10 = 200 pixels

    assert error.code == ReportErrorCode.PHOTO_TOO_MANY_PIXELS


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if any pixel data would be decoded (and so allocated)."""

    def refuse_to_load(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_load)
    monkeypatch.setattr(Image.Image, "load", refuse_to_load)


@pytest.mark.parametrize(
    ("width", "height", "max_pixels"),
    [
        pytest.param(50_000, 50_000, None, id="50k-square-pillow-refuses-at-open"),
        pytest.param(7_000, 7_000, None, id="49MP-over-our-40MP-limit"),
        pytest.param(50_000, 50_000, 10**12, id="pillow-guard-holds-even-with-a-huge-setting"),
        pytest.param(10_000, 10_000, 10**12, id="pillow-warning-becomes-refusal"),
    ],
)
def test_decompression_bomb_is_refused_before_decoding(settings, no_decoding, width, height, max_pixels):
    # given a ~100-byte PNG whose header claims billions of pixels
    if max_pixels is not None:
        settings.REPORT_PHOTO_MAX_PIXELS = max_pixels
    bomb = images.png_header_only(width, height)
    assert len(bomb) < 200
    filters_before = list(warnings.filters)

    # when
    started = time.perf_counter()
    error = refusal(bomb, name="bombe.png")

    # then: refused from the header alone, fast, and Pillow's global state is untouched
    assert error.code == ReportErrorCode.PHOTO_TOO_MANY_PIXELS
    assert time.perf_counter() - started < 1
    assert warnings.filters == filters_before
    assert Image.MAX_IMAGE_PIXELS == 89_478_485


def test_error_carries_a_stable_code_and_a_german_message():
    error = refusal(b"kein Bild")

    assert error.code == "photo_not_image"
    assert str(error) == error.message


# The upload stays usable


def test_upload_position_is_restored_after_processing():
    data = images.camera_jpeg()
    file = upload(data)

    photo_gps(upload=file)
    assert file.read() == data
    file.seek(0)
    photo_process(upload=file)
    assert file.read() == data


def test_upload_position_is_restored_after_a_refusal():
    file = upload(images.truncated_jpeg())
    file.seek(7)

    with pytest.raises(PhotoError):
        photo_process(upload=file)

    assert file.tell() == 7
