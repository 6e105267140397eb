"""Test images built in memory: photos with tell-tale metadata, other formats, broken and hostile files."""

from __future__ import annotations

import io
import random
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, PngImagePlugin
from PIL.TiffImagePlugin import IFDRational

# Wolfsburg town hall, as a camera writes it: 52° 25' 21.72" N, 10° 47' 11.4" E.
GPS_LAT = 52 + 25 / 60 + 21.72 / 3600
GPS_LON = 10 + 47 / 60 + 11.4 / 3600
GPS_DMS = ((52, 25, IFDRational(2172, 100)), (10, 47, IFDRational(1140, 100)))

CAMERA_MAKE = "Testkamera-Hersteller"
CAMERA_MODEL = "Spionage-Modell 3000"
CAMERA_DATETIME = "2024:05:01 10:11:12"
SERIAL = "SN-0815-4711"
COMMENT = b"Kommentar mit Namen Erika Mustermann"
PNG_TEXT = "Erika Mustermann, Musterweg 1"
XMP_NS = b"http://ns.adobe.com/xap/1.0/"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:xmp="' + XMP_NS + b'" xmp:CreatorTool="Spionage-Modell 3000"/>'
    b"</rdf:RDF></x:xmpmeta>"
)

RED = (255, 0, 0)
BLUE = (0, 0, 255)

# Tags of EXIF's GPS IFD.
GPS_STATUS, GPS_LAT_REF, GPS_LAT_TAG, GPS_LON_REF, GPS_LON_TAG = (
    ExifTags.GPS.GPSStatus,
    ExifTags.GPS.GPSLatitudeRef,
    ExifTags.GPS.GPSLatitude,
    ExifTags.GPS.GPSLongitudeRef,
    ExifTags.GPS.GPSLongitude,
)


def upload(content: bytes, name: str = "foto.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def two_colour(size: tuple[int, int] = (20, 10), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue, so a rotation can be seen in the pixels."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image.convert(mode)


def noise(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """Incompressible pixels, so encoded files are large and truncation hits pixel data."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


def camera_exif(
    *,
    orientation: int | None = None,
    gps: dict[int, object] | None = None,
    with_gps: bool = True,
) -> Image.Exif:
    """EXIF as a phone writes it: make, model, time, serial number and (by default) the position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = CAMERA_MODEL
    exif[ExifTags.Base.DateTime] = CAMERA_DATETIME
    exif[ExifTags.Base.BodySerialNumber] = SERIAL
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps is None and with_gps:
        gps = gps_ifd()
    if gps:
        exif[ExifTags.IFD.GPSInfo] = gps
    return exif


def gps_ifd(
    *, lat: tuple = GPS_DMS[0], lat_ref: str = "N", lon: tuple = GPS_DMS[1], lon_ref: str = "E"
) -> dict[int, object]:
    return {GPS_LAT_REF: lat_ref, GPS_LAT_TAG: lat, GPS_LON_REF: lon_ref, GPS_LON_TAG: lon}


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def camera_jpeg(
    *,
    image: Image.Image | None = None,
    orientation: int | None = None,
    gps: dict[int, object] | None = None,
    with_gps: bool = True,
    icc_profile: bytes | None = None,
) -> bytes:
    """A JPEG with EXIF (incl. GPS), XMP, a comment and optionally an ICC profile."""
    params: dict[str, object] = {"exif": camera_exif(orientation=orientation, gps=gps, with_gps=with_gps)}
    if icc_profile is not None:
        params["icc_profile"] = icc_profile
    return encode(image or two_colour(), "JPEG", quality=95, xmp=XMP, comment=COMMENT, **params)


def transparent_png() -> bytes:
    """20×10 RGBA: left half opaque red, right half fully transparent; with text chunks and EXIF."""
    image = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    image.paste((*RED, 255), (0, 0, 10, 10))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", PNG_TEXT)
    text.add_text("Comment", PNG_TEXT, zip=True)
    text.add_itxt("Description", PNG_TEXT)
    return encode(image, "PNG", pnginfo=text, exif=camera_exif())


def palette_png_with_transparency() -> bytes:
    image = Image.new("P", (10, 10), 0)
    image.putpalette([*RED, 0, 0, 0])
    image.paste(1, (5, 0, 10, 10))
    return encode(image, "PNG", transparency=1)


def webp_with_metadata() -> bytes:
    return encode(two_colour(), "WEBP", quality=90, exif=camera_exif(), xmp=XMP)


def heic_with_metadata(*, orientation: int | None = None) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return encode(
        two_colour((64, 32)), "HEIF", quality=90, exif=camera_exif(orientation=orientation).tobytes()
    )


def truncated_jpeg() -> bytes:
    data = encode(noise((200, 200)), "JPEG", quality=90)
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    data = encode(noise((200, 200)), "PNG")
    return data[: len(data) // 2]


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_header_only(width: int, height: int) -> bytes:
    """A valid, tiny PNG whose IHDR claims ``width`` × ``height`` RGB pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def _s15fixed16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ \x00\x00\x00\x00" + _s15fixed16(x) + _s15fixed16(y) + _s15fixed16(z)


def swapped_primaries_icc() -> bytes:
    """An ICC v2 RGB display profile whose red and blue primaries are swapped relative to sRGB.

    Pixel (255, 0, 0) in this space is sRGB blue, so a correct conversion to sRGB is visible in the pixels.
    """
    # sRGB's colorants, adapted to D50 as ICC requires; red and blue exchanged.
    red, green, blue = (
        (0.4360747, 0.2225045, 0.0139322),
        (0.3850649, 0.7168786, 0.0971045),
        (0.1430804, 0.0606169, 0.7141733),
    )
    description = b"Swapped primaries (test)\x00"
    desc = (
        b"desc\x00\x00\x00\x00"
        + struct.pack(">I", len(description))
        + description
        + b"\x00" * 8  # Unicode language code and length
        + b"\x00" * 3  # ScriptCode code and length
        + b"\x00" * 67
    )
    gamma = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, 563) + b"\x00\x00"  # gamma 2.2 (u8Fixed8)
    tags = [
        (b"desc", desc),
        (b"wtpt", _xyz_tag(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz_tag(*blue)),
        (b"gXYZ", _xyz_tag(*green)),
        (b"bXYZ", _xyz_tag(*red)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        padded = data + b"\x00" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\x00" * 4
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\x00" * 24  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # perceptual intent
        + _s15fixed16(0.9642)
        + _s15fixed16(1.0)
        + _s15fixed16(0.8249)
        + b"\x00" * 48  # creator, profile id, reserved
    )
    assert len(header) == 128
    profile = header + struct.pack(">I", len(tags)) + table + body
    ImageCms.ImageCmsProfile(io.BytesIO(profile))  # fails here if the profile is malformed
    return profile


def other_formats() -> dict[str, bytes]:
    """Real images in formats the Mängelmelder refuses."""
    image = two_colour()
    return {
        "gif": encode(image.convert("P"), "GIF"),
        "bmp": encode(image, "BMP"),
        "tiff": encode(image, "TIFF"),
        "ico": encode(image, "ICO"),
        "svg": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"></svg>',
    }


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """Return the (marker, payload) segments of a JPEG up to the start of scan data."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    segments, position = [], 2
    while position < len(data):
        assert data[position] == 0xFF
        marker = data[position + 1]
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        segments.append((marker, data[position + 4 : position + 2 + length]))
        position += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
    return segments
