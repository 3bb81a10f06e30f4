"""Photos made safe to pass on: what a camera writes into the file besides the picture
(EXIF with the GPS position and the phone's model, XMP, IPTC, ICC profiles, comments) is
dropped before a photo leaves commbot.

Pillow decodes the picture and it is written afresh from its pixels alone, in the format it
came in, so no marker we did not think of survives (stripping segments by hand would miss
some). The EXIF orientation is applied to the pixels first: without its tag, a photo taken
with the phone on its side would otherwise arrive sideways.

iPhones write HEIC: pillow-heif teaches Pillow to read and write it, so those photos are
stripped too (a teacher's photo sent as a file is often one); AVIF likewise. Anything
Pillow still cannot read (a PDF, a damaged file) is given back unchanged by default, so
stripping never stops a message; with `strict` (what the dispatcher asks for a picture on
its way to a family) a picture that cannot be rewritten raises `NotCleaned` instead: it
fails closed, and the family gets the words without it.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import PurePath

import pillow_heif
from PIL import Image, ImageOps, ImageSequence, JpegImagePlugin

log = logging.getLogger(__name__)
pillow_heif.register_heif_opener()
# Pillow refuses pictures over ~89 megapixels as possible decompression bombs; phones now
# take 108 and 200 megapixel photos, which must be stripped, not sent as they are.
Image.MAX_IMAGE_PIXELS = 210_000_000


class NotCleaned(Exception):
    """A picture whose metadata could not be removed (strict mode only)."""


# The formats phones and apps send that Pillow writes back. MPO (a JPEG holding several
# pictures, as some phones write) goes back as a plain JPEG of its first picture.
WRITABLE = frozenset({"JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP", "TIFF", "HEIF", "AVIF"})
REENCODED_AS_JPEG = frozenset({"MPO", "HEIF", "AVIF"})
# What a picture needs to look as it did; everything else in `info` is metadata.
RENDERING = ("transparency", "duration", "loop", "background", "disposal", "blend")
JPEG_QUALITY = 90  # when the original's quantisation tables cannot be kept


def cleaned_type(content_type: str) -> str:
    """The MIME type of a picture after `strip_metadata` (HEIC and AVIF become JPEG)."""
    main = content_type.split(";")[0].strip().lower()
    if main in ("image/heic", "image/heif", "image/heic-sequence", "image/avif"):
        return "image/jpeg"
    return content_type


def cleaned_file_name(name: str | None, content_type: str) -> str | None:
    """A file's name after `strip_metadata`: "IMG_0042.HEIC" becomes "IMG_0042.jpg", so a
    phone opens what is now a JPEG."""
    if name is None or cleaned_type(content_type) == content_type:
        return name
    return str(PurePath(name).with_suffix(".jpg"))


def strip_metadata(data: bytes, *, strict: bool = False) -> bytes:
    """The same picture without its metadata, in its own format. When it is no image
    Pillow can read and write: `data` unchanged, or with `strict`, NotCleaned."""
    try:
        with warnings.catch_warnings():
            # A very large image is refused (DecompressionBombError) rather than warned of.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            cleaned = _strip(data)
    except Exception as exc:  # never stop a message over its metadata, unless strict
        log.info("image left as it came: %s", type(exc).__name__)
        if strict:
            raise NotCleaned(type(exc).__name__) from None
        return data
    if strict and cleaned is data:
        raise NotCleaned("a format commbot cannot rewrite")
    return cleaned


def _strip(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        source_format = image.format or ""
        if source_format not in WRITABLE:
            return data
        # HEIC and AVIF go out as JPEG: every phone shows it, MMS and WhatsApp take it, and
        # writing HEIC again costs seconds a photo (JPEG takes a tenth of one).
        target = "JPEG" if source_format in REENCODED_AS_JPEG else source_format
        frames = getattr(image, "n_frames", 1)
        options: dict[str, object] = {}
        if target == "JPEG":
            options = _jpeg_options(image)
        if frames > 1 and target in ("GIF", "WEBP", "PNG", "TIFF"):
            pictures = [_clean(frame.copy()) for frame in ImageSequence.Iterator(image)]
            first, rest = pictures[0], pictures[1:]
            options |= {"save_all": True, "append_images": rest}
            if target in ("GIF", "WEBP", "PNG"):
                options["duration"] = [p.info.get("duration", 100) for p in pictures]
        else:
            image.seek(0)
            first = _clean(ImageOps.exif_transpose(image))
            if target == "JPEG" and first.mode not in ("L", "RGB", "CMYK"):
                first = _clean(first.convert("RGB"))  # a HEIC's alpha or 10 bits
        out = io.BytesIO()
        first.save(out, format=target, **options)
        return out.getvalue()


def _clean(picture: Image.Image) -> Image.Image:
    """The picture with nothing in `info` but what drawing it needs (the EXIF, XMP, ICC
    and comments live there, and each format's writer copies some of them by default)."""
    kept = {key: picture.info[key] for key in RENDERING if key in picture.info}
    picture.info.clear()
    picture.info.update(kept)
    return picture


def _jpeg_options(image: Image.Image) -> dict[str, object]:
    """Re-encode at the original's quality where it can be read, so a photo neither grows
    nor loses detail more than one encoding costs."""
    options: dict[str, object] = {"quality": JPEG_QUALITY, "optimize": True}
    if isinstance(image, JpegImagePlugin.JpegImageFile):
        tables = getattr(image, "quantization", None)
        sampling = JpegImagePlugin.get_sampling(image)
        if tables and image.mode in ("L", "RGB", "YCbCr") and sampling != -1:
            options = {"qtables": tables, "subsampling": sampling, "optimize": True}
    return options
