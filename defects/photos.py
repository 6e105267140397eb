"""Processing of uploaded report photos: verify, normalise, re-encode, strip every piece of metadata.

A photo from a phone carries the reporter's position, the camera's serial data, timestamps and sometimes a
name. None of that may reach the public site, so every upload is decoded completely and a new JPEG is written
from its pixels alone. The GPS position is read before that, because it can propose the report's pin.

Both functions are pure: no database, no storage. The core service stores ``ProcessedPhoto.content``.
Limits come from settings at call time: ``REPORT_PHOTO_MAX_BYTES``, ``REPORT_PHOTO_MAX_PIXELS`` and
``REPORT_PHOTO_MAX_EDGE``. Pillow's own decompression-bomb guard (about 89 MP) stays in force as well, so a
pixel limit set above it has no effect.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pillow_heif
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat, floatformat
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from defects.errors import ReportErrorCode
from geo_core.srid import STORAGE_SRID

# HEIC/HEIF is what iPhones take by default. Only the primary image is needed: thumbnails, depth maps and
# auxiliary images are neither decoded nor kept.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_EDGE = 2048
JPEG_QUALITY = 85
EXTENSION = "jpg"

# Pillow format ids that may be opened at all; no other decoder ever sees the upload. MPO (JPEG with extra
# frames, common on phones) is opened by the JPEG plugin.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)
SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})
WHITE = (255, 255, 255)

# Decoders of untrusted input fail in plugin-specific ways; any of these while decoding means the file is
# damaged. Programming errors (AttributeError, NameError …) are deliberately not in this list.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, RuntimeError)
DECODE_ERRORS += (struct.error, zlib.error)
BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    width: int
    height: int
    extension: str
    gps: Point | None


class PhotoError(Exception):
    """Raised for an upload that cannot become a report photo; nothing about it is kept.

    ``code`` is one of the ``photo_*`` values of ``ReportErrorCode``; ``message`` is German, for the reporter.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


def photo_process(*, upload: UploadedFile) -> ProcessedPhoto:
    """Turn an upload into a clean JPEG: checked, oriented, sRGB, at most MAX_EDGE pixels long, no metadata.

    Raise ``PhotoError`` for anything that is not a readable JPEG, PNG, WebP or HEIC photo within the limits.
    The upload's file position is restored afterwards.
    """
    max_pixels = _setting("REPORT_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)
    max_edge = _setting("REPORT_PHOTO_MAX_EDGE", DEFAULT_MAX_EDGE)
    data = _read_bounded(upload, max_bytes=_setting("REPORT_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))
    with _pillow_guard(), _open(data) as image:
        _check_pixels(image, max_pixels=max_pixels)
        _reduce_while_decoding(image, max_edge=max_edge)
        try:
            image.load()
        except DECODE_ERRORS as error:
            raise _corrupt() from error
        gps = _gps_point(image)
        oriented = _orient(image)
        try:
            rgb = _to_srgb_rgb(oriented)
            fitted = _fit(rgb, max_edge=max_edge)
        except DECODE_ERRORS as error:
            raise _corrupt() from error
    content = _encode_jpeg(fitted)
    return ProcessedPhoto(
        content=content, width=fitted.width, height=fitted.height, extension=EXTENSION, gps=gps
    )


def photo_gps(*, upload: UploadedFile) -> Point | None:
    """Return the photo's EXIF GPS position as a WGS 84 point, for proposing the report's pin.

    Return None when the photo has no usable position, and also when it is no acceptable photo at all:
    ``photo_process`` is what refuses uploads with a reason. The upload's file position is restored.
    """
    try:
        data = _read_bounded(upload, max_bytes=_setting("REPORT_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))
        with _pillow_guard(), _open(data) as image:
            # PNG keeps EXIF after the pixel data, so reading it may decode the image: check the size first.
            _check_pixels(image, max_pixels=_setting("REPORT_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))
            return _gps_point(image)
    except PhotoError:
        return None


# Reading and opening


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _read_bounded(upload: File, *, max_bytes: int) -> bytes:
    """Read the whole upload, but never more than ``max_bytes`` + 1 bytes, whatever its claimed size."""
    claimed = getattr(upload, "size", None)
    if isinstance(claimed, int) and claimed > max_bytes:
        raise _too_large(max_bytes)
    position = upload.tell()
    try:
        upload.seek(0)
        data = upload.read(max_bytes + 1)
    finally:
        upload.seek(position)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if not data:
        raise _not_image()
    return data


@contextmanager
def _pillow_guard() -> Iterator[None]:
    """Turn Pillow's decompression-bomb warning into an error for this block only, and map both to ours."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except BOMB_ERRORS as error:
        raise _too_many_pixels(_setting("REPORT_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)) from error


def _open(data: bytes) -> Image.Image:
    """Open the header with the accepted decoders only; explain a refusal by the file's signature."""
    try:
        return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except BOMB_ERRORS:
        raise
    except UnidentifiedImageError as error:
        raise _refusal(data) from error
    except DECODE_ERRORS as error:
        raise _refusal(data) from error


def _refusal(data: bytes) -> PhotoError:
    kind = _sniff(data)
    if kind == "accepted":
        return _corrupt()
    if kind == "other_image":
        return _unsupported_format()
    return _not_image()


def _sniff(data: bytes) -> str:
    """Classify a file Pillow would not open: "accepted" (broken JPEG/PNG/WebP/HEIC), "other_image" or ""."""
    head = data[:32]
    brands = _ftyp_brands(data)
    if (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
        or (head.startswith(b"RIFF") and head[8:12] == b"WEBP")
        or (brands and brands[0] in HEIF_BRANDS and b"avif" not in brands)
    ):
        return "accepted"
    if brands or head.startswith(
        (
            b"GIF87a",
            b"GIF89a",
            b"BM",
            b"II*\x00",  # TIFF and the TIFF-based camera raw formats (DNG, CR2, NEF …)
            b"MM\x00*",
            b"\x00\x00\x01\x00",  # ICO
            b"8BPS",  # Photoshop
            b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
            b"\xff\x4f\xff\x51",
            b"\xff\x0a",  # JPEG XL
            b"\x00\x00\x00\x0cJXL \r\n\x87\n",
            b"qoif",
        )
    ):
        return "other_image"
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml", b"<!doctype svg")) and b"<svg" in text:
        return "other_image"
    return ""


def _ftyp_brands(data: bytes) -> list[bytes]:
    """Return the major and compatible brands of an ISO media file (HEIC, AVIF …), else an empty list."""
    if data[4:8] != b"ftyp":
        return []
    box_size = int.from_bytes(data[:4], "big")
    box = data[8 : min(box_size, 256)]
    return [box[0:4]] + [box[i : i + 4] for i in range(8, len(box) - 3, 4)]


def _check_pixels(image: Image.Image, *, max_pixels: int) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise _corrupt()
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)


def _reduce_while_decoding(image: Image.Image, *, max_edge: int) -> None:
    """Let libjpeg decode a large JPEG at 1/2, 1/4 or 1/8 scale, never below the final size."""
    if image.format not in ("JPEG", "MPO"):
        return
    width, height = image.size
    scale = max_edge / max(width, height)
    if scale < 1:
        image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))


# Metadata that is used, then dropped


def _gps_point(image: Image.Image) -> Point | None:
    """Read GPSLatitude/Longitude (and their refs) from EXIF; None when absent, void or implausible."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        if not gps or _text(gps.get(ExifTags.GPS.GPSStatus)) == "V":  # "V": the receiver had no fix
            return None
        lat = _degrees(
            gps.get(ExifTags.GPS.GPSLatitude), _text(gps.get(ExifTags.GPS.GPSLatitudeRef)), "N", "S"
        )
        lon = _degrees(
            gps.get(ExifTags.GPS.GPSLongitude), _text(gps.get(ExifTags.GPS.GPSLongitudeRef)), "E", "W"
        )
    except (*DECODE_ERRORS, ZeroDivisionError, OverflowError):
        # EXIF is optional: a broken GPS block only means there is no position to propose.
        return None
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None
    return Point(lon, lat, srid=STORAGE_SRID)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ").upper()


def _degrees(value: Any, ref: str, positive: str, negative: str) -> float | None:
    """Convert EXIF (degrees, minutes, seconds) rationals to signed decimal degrees."""
    if ref not in (positive, negative) or not isinstance(value, tuple | list) or not 1 <= len(value) <= 3:
        return None
    parts = [float(part) for part in value]
    if not all(math.isfinite(part) and part >= 0 for part in parts) or any(part > 60 for part in parts[1:]):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))
    return -degrees if ref == negative else degrees


def _orient(image: Image.Image) -> Image.Image:
    """Rotate/flip as the EXIF orientation says, so the picture looks right once the tag is gone."""
    try:
        ImageOps.exif_transpose(image, in_place=True)  # in place: no copy of a picture that needs no turn
    except (*DECODE_ERRORS, ZeroDivisionError):
        pass  # an unreadable EXIF block cannot say how to rotate; the pixels are still fine
    return image


# Pixels


def _to_srgb_rgb(image: Image.Image) -> Image.Image:
    """Return 8-bit sRGB without alpha: colours converted from an embedded ICC profile, transparency on white."""
    icc = image.info.get("icc_profile")
    if image.mode in SIXTEEN_BIT_MODES:
        # Pillow clips 16-bit values when converting to 8 bits; scale them instead.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("P", "PA"):
        has_alpha = image.mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif "transparency" in image.info and image.mode in ("1", "L", "RGB"):  # PNG colour-key transparency
        image = image.convert("RGBA")
    alpha = None
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
        alpha = image.getchannel("A")
        image = image.convert("L" if image.mode in ("LA", "La") else "RGB")
    if image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    if icc:
        image = _icc_to_srgb(image, icc)
    if image.mode != "RGB":
        image = image.convert("RGB")
    if alpha is not None:
        flat = Image.new("RGB", image.size, WHITE)
        flat.paste(image, mask=alpha)
        image = flat
    return image


def _icc_to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    try:
        converted = ImageCms.profileToProfile(
            image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken profile or one that does not fit the pixels: keep the values as they are (the profile is
        # dropped either way), which is what a browser shows for an untagged image.
        return image
    return converted if converted is not None else image


def _fit(image: Image.Image, *, max_edge: int) -> Image.Image:
    width, height = image.size
    longest = max(width, height)
    if longest <= max_edge:
        return image
    scale = max_edge / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode_jpeg(image: Image.Image) -> bytes:
    # A fresh image has an empty ``info``: Pillow copies e.g. a JPEG comment from ``info`` when saving.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    output = io.BytesIO()
    clean.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return output.getvalue()


# Errors (German messages, built when raised so they follow the active language)

FORMATS_HINT = "JPEG, PNG, WebP oder HEIC"


def _too_large(max_bytes: int) -> PhotoError:
    return PhotoError(
        ReportErrorCode.PHOTO_TOO_LARGE,
        _("Das Foto ist zu groß. Erlaubt sind höchstens %(limit)s je Foto.")
        % {"limit": filesizeformat(max_bytes)},
    )


def _not_image() -> PhotoError:
    return PhotoError(
        ReportErrorCode.PHOTO_NOT_IMAGE,
        _("Die Datei ist kein Bild. Bitte laden Sie ein Foto im Format %(formats)s hoch.")
        % {"formats": FORMATS_HINT},
    )


def _corrupt() -> PhotoError:
    return PhotoError(
        ReportErrorCode.PHOTO_CORRUPT,
        _(
            "Das Bild ist beschädigt oder unvollständig und kann nicht gelesen werden. Bitte laden Sie es erneut hoch."
        ),
    )


def _too_many_pixels(max_pixels: int) -> PhotoError:
    return PhotoError(
        ReportErrorCode.PHOTO_TOO_MANY_PIXELS,
        _(
            "Das Bild hat zu viele Bildpunkte (höchstens %(limit)s Megapixel). Bitte laden Sie es kleiner hoch."
        )
        % {"limit": floatformat(max_pixels / 1_000_000, -1)},
    )


def _unsupported_format() -> PhotoError:
    return PhotoError(
        ReportErrorCode.PHOTO_UNSUPPORTED_FORMAT,
        _("Dieses Bildformat wird nicht unterstützt. Bitte laden Sie ein Foto im Format %(formats)s hoch.")
        % {"formats": FORMATS_HINT},
    )
