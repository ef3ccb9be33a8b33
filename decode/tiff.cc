// TIFF reading and writing through libtiff, entirely in memory.
//
// Reading runs in two passes: the first walks every directory (IFD) and checks
// page count and pixel sizes against the limits, the second decodes. Bilevel,
// 8-bit gray and 8-bit RGB strips (every fax variant among them) are converted
// row by row with table lookups; anything else (tiles, palettes, 16-bit, CMYK,
// old JPEG) goes through libtiff's RGBA reader one strip or tile row at a time.
#include <tiffio.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "decode/codecs.h"

namespace intake {
namespace {

// Above any strip of a page within the default limits; stops a hostile
// header from making libtiff allocate gigabytes for its own buffers.
constexpr tmsize_t kMaxLibtiffAllocation = tmsize_t{1} << 30;

// ---- In-memory file for TIFFClientOpen -------------------------------------

struct MemoryFile {
  // Reading: `data`/`size` view the caller's bytes. Writing: `buffer` grows.
  const std::uint8_t* data = nullptr;
  std::uint64_t size = 0;
  std::vector<std::uint8_t>* buffer = nullptr;
  std::uint64_t position = 0;
  int messages = 0;  // errors and warnings libtiff reported on this handle
};

tmsize_t ReadProc(thandle_t handle, void* out, tmsize_t count) {
  auto* file = static_cast<MemoryFile*>(handle);
  if (count < 0 || file->position >= file->size) return 0;
  const std::uint64_t n = std::min<std::uint64_t>(static_cast<std::uint64_t>(count), file->size - file->position);
  std::memcpy(out, file->data + file->position, n);
  file->position += n;
  return static_cast<tmsize_t>(n);
}

tmsize_t WriteProc(thandle_t handle, void* in, tmsize_t count) {
  auto* file = static_cast<MemoryFile*>(handle);
  if (!file->buffer || count < 0) return -1;
  const std::uint64_t end = file->position + static_cast<std::uint64_t>(count);
  if (end > file->buffer->size()) file->buffer->resize(end);
  std::memcpy(file->buffer->data() + file->position, in, static_cast<std::size_t>(count));
  file->position = end;
  file->data = file->buffer->data();
  file->size = file->buffer->size();
  return count;
}

toff_t SeekProc(thandle_t handle, toff_t offset, int whence) {
  auto* file = static_cast<MemoryFile*>(handle);
  std::uint64_t base = 0;
  if (whence == SEEK_CUR) base = file->position;
  if (whence == SEEK_END) base = file->size;
  const std::int64_t target = static_cast<std::int64_t>(base) + static_cast<std::int64_t>(offset);
  if (target < 0) return static_cast<toff_t>(-1);
  file->position = static_cast<std::uint64_t>(target);
  return file->position;
}

int CloseProc(thandle_t) { return 0; }

toff_t SizeProc(thandle_t handle) { return static_cast<MemoryFile*>(handle)->size; }

// Reading maps the caller's bytes directly, so strips are decoded without a copy.
int MapProc(thandle_t handle, void** base, toff_t* size) {
  auto* file = static_cast<MemoryFile*>(handle);
  if (file->buffer) return 0;
  *base = const_cast<std::uint8_t*>(file->data);  // libtiff never writes through a read-only map
  *size = file->size;
  return 1;
}

void UnmapProc(thandle_t, void*, toff_t) {}

// Counted, never printed: the counts tell a page that decoded cleanly from one
// whose fax codes were damaged (libtiff then fills lines and carries on).
int CountTiffMessage(TIFF*, void* file, const char*, const char*, va_list) {
  ++static_cast<MemoryFile*>(file)->messages;
  return 1;
}

struct TiffCloser {
  void operator()(TIFF* tif) const { TIFFClose(tif); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

// Messages arrive through the per-handle handlers; a few libtiff paths still
// report only to the process-wide ones, which print to stderr by default.
TiffPtr OpenTiff(MemoryFile& file, const char* mode) {
  static std::once_flag silenced;
  std::call_once(silenced, [] {
    TIFFSetErrorHandler(nullptr);
    TIFFSetWarningHandler(nullptr);
  });
  TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(options, &CountTiffMessage, &file);
  TIFFOpenOptionsSetWarningHandlerExtR(options, &CountTiffMessage, &file);
  TIFFOpenOptionsSetMaxSingleMemAlloc(options, kMaxLibtiffAllocation);
  TIFF* tif = TIFFClientOpenExt("memory", mode, &file, ReadProc, WriteProc, SeekProc, CloseProc, SizeProc, MapProc,
                                UnmapProc, options);
  TIFFOpenOptionsFree(options);
  return TiffPtr(tif);
}

// ---- Raw IFD walking, only to tell a cut file from a damaged one -----------

std::optional<std::uint64_t> ReadUnsigned(std::span<const std::uint8_t> bytes, std::uint64_t offset, int width,
                                          bool big_endian) {
  if (offset > bytes.size() || bytes.size() - offset < static_cast<std::uint64_t>(width)) return std::nullopt;
  std::uint64_t value = 0;
  for (int i = 0; i < width; ++i) {
    const std::uint64_t byte = bytes[offset + (big_endian ? i : width - 1 - i)];
    value = (value << 8) | byte;
  }
  return value;
}

struct IfdLayout {
  bool big_endian = false;
  int count_width = 2, entry_size = 12, offset_width = 4;

  explicit IfdLayout(std::span<const std::uint8_t> bytes) : big_endian(bytes[0] == 'M') {
    if (ReadUnsigned(bytes, 2, 2, big_endian) == 43u) count_width = 8, entry_size = 20, offset_width = 8;  // BigTIFF
  }
  std::optional<std::uint64_t> First(std::span<const std::uint8_t> bytes) const {
    return offset_width == 8 ? ReadUnsigned(bytes, 8, 8, big_endian) : ReadUnsigned(bytes, 4, 4, big_endian);
  }
  // Where the directory at `offset` ends, or nullopt when it runs past the file.
  std::optional<std::uint64_t> End(std::span<const std::uint8_t> bytes, std::uint64_t offset) const {
    const auto count = ReadUnsigned(bytes, offset, count_width, big_endian);
    if (!count || *count > bytes.size()) return std::nullopt;
    const std::uint64_t end = offset + count_width + *count * entry_size + offset_width;
    return end <= bytes.size() ? std::optional(end) : std::nullopt;
  }
  std::optional<std::uint64_t> Next(std::span<const std::uint8_t> bytes, std::uint64_t offset) const {
    const auto end = End(bytes, offset);
    return end ? ReadUnsigned(bytes, *end - offset_width, offset_width, big_endian) : std::nullopt;
  }
};

Error DirectoryError(std::span<const std::uint8_t> bytes, std::optional<std::uint64_t> ifd_offset, int page) {
  const std::string which = "TIFF page " + std::to_string(page);
  if (!ifd_offset || !IfdLayout(bytes).End(bytes, *ifd_offset)) {
    return {ErrorCode::kTruncatedFile,
            which + " is missing: the file is incomplete (cut short); ask the sender to send it again"};
  }
  return {ErrorCode::kCorruptFile, which + " is damaged and cannot be read: ask the sender to send it again"};
}

// ---- Pass 1: what each page claims to be -----------------------------------

struct PageInfo {
  std::uint32_t width = 0, height = 0;
  std::uint16_t bits = 1, samples = 1, photometric = PHOTOMETRIC_MINISWHITE, compression = COMPRESSION_NONE;
  std::uint16_t planar = PLANARCONFIG_CONTIG;
  bool tiled = false;
  double dpi_x = 0, dpi_y = 0;
};

bool IsFaxWidth(std::uint32_t width) { return width == 1728 || width == 2048 || width == 2432; }

// Resolution as written, in dpi; an axis that is missing or implausible gets
// the fax default for 1-bit fax-width pages, else a common scan resolution.
void ReadResolution(TIFF* tif, PageInfo& page) {
  constexpr double kMinDpi = 50, kMaxDpi = 4800;
  std::uint16_t unit = RESUNIT_INCH;
  TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
  const double to_dpi = unit == RESUNIT_CENTIMETER ? 2.54 : unit == RESUNIT_INCH ? 1.0 : 0.0;
  const bool fax = page.bits == 1 && page.samples == 1 && IsFaxWidth(page.width);
  auto axis = [&](ttag_t tag, double fallback) {
    float value = 0;
    if (!TIFFGetField(tif, tag, &value)) return fallback;
    const double dpi = value * to_dpi;
    return std::isfinite(dpi) && dpi >= kMinDpi && dpi <= kMaxDpi ? dpi : fallback;
  };
  page.dpi_x = axis(TIFFTAG_XRESOLUTION, fax ? 204.0 : 200.0);
  page.dpi_y = axis(TIFFTAG_YRESOLUTION, fax ? 196.0 : 200.0);
}

PageInfo ReadPageInfo(TIFF* tif) {
  PageInfo page;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &page.width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &page.height);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &page.bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &page.samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &page.compression);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &page.planar);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &page.photometric)) {
    page.photometric = page.samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISWHITE;
  }
  page.tiled = TIFFIsTiled(tif) != 0;
  ReadResolution(tif, page);
  return page;
}

// Reduced-resolution copies (thumbnails) and transparency masks are not pages.
bool IsPage(TIFF* tif) {
  std::uint32_t subfile = 0;
  TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &subfile);
  return (subfile & (FILETYPE_REDUCEDIMAGE | FILETYPE_MASK)) == 0;
}

bool IsValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int extra = lead < 0x80 ? 0 : (lead >> 5) == 6 ? 1 : (lead >> 4) == 14 ? 2 : (lead >> 3) == 30 ? 3 : -1;
    if (extra < 0 || i + extra >= text.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 2) return false;
    }
    i += 1 + extra;
  }
  return true;
}

// Tag text as UTF-8 without control characters (Latin-1 when not valid
// UTF-8), trimmed; nothing when blank.
std::optional<std::string> TagText(TIFF* tif, ttag_t tag) {
  const char* raw = nullptr;
  if (!TIFFGetField(tif, tag, &raw) || !raw) return std::nullopt;
  const std::string_view text(raw);
  const bool utf8 = IsValidUtf8(text);
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      out += ' ';
    } else if (c < 0x80 || utf8) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  const std::size_t first = out.find_first_not_of(' ');
  if (first == std::string::npos) return std::nullopt;
  return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

// "YYYY:MM:DD HH:MM:SS" exactly, or nothing: the value is parsed downstream.
std::optional<std::string> TagDateTime(TIFF* tif) {
  std::optional<std::string> text = TagText(tif, TIFFTAG_DATETIME);
  if (!text || text->size() != 19) return std::nullopt;
  for (std::size_t i = 0; i < 19; ++i) {
    const char c = (*text)[i];
    const char want = i == 4 || i == 7 || i == 13 || i == 16 ? ':' : i == 10 ? ' ' : '0';
    if (want == '0' ? (c < '0' || c > '9') : c != want) return std::nullopt;
  }
  return text;
}

// ---- Pass 2: pixels --------------------------------------------------------

// One byte of packed 1-bit pixels -> eight gray pixels, for each polarity.
using BitTable = std::array<std::array<std::uint8_t, 8>, 256>;
constexpr BitTable MakeBitTable(bool one_is_black) {
  BitTable table{};
  for (int byte = 0; byte < 256; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      const bool set = (byte >> (7 - bit)) & 1;
      table[byte][bit] = set == one_is_black ? 0 : 255;
    }
  }
  return table;
}
constexpr BitTable kMinIsWhite = MakeBitTable(true);
constexpr BitTable kMinIsBlack = MakeBitTable(false);

Error PageDamaged(int page) {
  return {ErrorCode::kCorruptFile,
          "TIFF page " + std::to_string(page) + " is damaged and cannot be read: ask the sender to send it again"};
}

// A strip or tile that runs past the end of the bytes means the file was cut
// while being written or sent.
Result<void> CheckDataInside(TIFF* tif, std::uint64_t file_size, int page) {
  const std::uint32_t count = TIFFIsTiled(tif) ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
  for (std::uint32_t i = 0; i < count; ++i) {
    int error = 0;
    const std::uint64_t offset = TIFFGetStrileOffsetWithErr(tif, i, &error);
    const std::uint64_t length = TIFFGetStrileByteCountWithErr(tif, i, &error);
    if (error) return tl::unexpected(PageDamaged(page));
    if (offset > file_size || length > file_size - offset) {
      const std::string which = "TIFF page " + std::to_string(page);
      return Fail(ErrorCode::kTruncatedFile, which + " is incomplete (cut short): ask the sender to send it again");
    }
  }
  return {};
}

// Decodes every strip and hands each row to `convert(source_row, gray_row)`.
template <class Convert>
Result<void> ReadStrips(TIFF* tif, GrayImage& image, int page, Convert convert) {
  std::uint32_t rows_per_strip = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  rows_per_strip = std::clamp<std::uint32_t>(rows_per_strip, 1, static_cast<std::uint32_t>(image.height));
  const tmsize_t row_bytes = TIFFScanlineSize(tif);
  if (row_bytes <= 0) return tl::unexpected(PageDamaged(page));
  std::vector<std::uint8_t> strip(static_cast<std::size_t>(row_bytes) * rows_per_strip);
  std::uint8_t* out = image.pixels.data();
  for (std::uint32_t row = 0, index = 0; row < static_cast<std::uint32_t>(image.height);
       row += rows_per_strip, ++index) {
    const std::uint32_t rows = std::min(rows_per_strip, image.height - row);
    const tmsize_t want = row_bytes * rows;
    if (TIFFReadEncodedStrip(tif, index, strip.data(), want) != want) return tl::unexpected(PageDamaged(page));
    for (std::uint32_t r = 0; r < rows; ++r, out += image.width) convert(strip.data() + r * row_bytes, out);
  }
  return {};
}

// Everything libtiff's RGBA interface understands, one strip or tile row at a
// time so the RGBA buffer stays a fraction of the page.
Result<void> ReadViaRgba(TIFF* tif, GrayImage& image, int page) {
  char message[1024];
  TIFFRGBAImage rgba;
  if (!TIFFRGBAImageOK(tif, message) || !TIFFRGBAImageBegin(&rgba, tif, 0, message)) {
    const std::string which = "TIFF page " + std::to_string(page);
    return Fail(ErrorCode::kUnsupportedFormat,
                which + " uses an image type that cannot be read: ask the sender for a PDF or a fax");
  }
  std::unique_ptr<TIFFRGBAImage, void (*)(TIFFRGBAImage*)> end(&rgba, TIFFRGBAImageEnd);
  rgba.req_orientation = ORIENTATION_TOPLEFT;
  std::uint32_t band = 0;
  TIFFGetFieldDefaulted(tif, TIFFIsTiled(tif) ? TIFFTAG_TILELENGTH : TIFFTAG_ROWSPERSTRIP, &band);
  band = std::clamp<std::uint32_t>(band, 1, static_cast<std::uint32_t>(image.height));
  std::vector<std::uint32_t> raster(static_cast<std::size_t>(image.width) * band);
  for (std::uint32_t row = 0; row < static_cast<std::uint32_t>(image.height); row += band) {
    const std::uint32_t rows = std::min(band, image.height - row);
    rgba.row_offset = static_cast<int>(row);
    rgba.col_offset = 0;
    if (!TIFFRGBAImageGet(&rgba, raster.data(), image.width, rows)) return tl::unexpected(PageDamaged(page));
    std::uint8_t* out = image.pixels.data() + static_cast<std::size_t>(row) * image.width;
    for (std::size_t i = 0, n = static_cast<std::size_t>(rows) * image.width; i < n; ++i) {
      const std::uint32_t p = raster[i];
      out[i] = static_cast<std::uint8_t>((77 * TIFFGetR(p) + 150 * TIFFGetG(p) + 29 * TIFFGetB(p) + 128) >> 8);
    }
  }
  return {};
}

Result<GrayImage> ReadPage(TIFF* tif, const PageInfo& info, const MemoryFile& file, int page) {
  if (auto inside = CheckDataInside(tif, file.size, page); !inside) return tl::unexpected(inside.error());
  const int messages_before = file.messages;
  GrayImage image;
  image.width = static_cast<int>(info.width);
  image.height = static_cast<int>(info.height);
  image.dpi_x = info.dpi_x;
  image.dpi_y = info.dpi_y;
  image.pixels.resize(static_cast<std::size_t>(info.width) * info.height);

  const bool gray = info.photometric == PHOTOMETRIC_MINISWHITE || info.photometric == PHOTOMETRIC_MINISBLACK;
  const bool strips = !info.tiled && (info.planar == PLANARCONFIG_CONTIG || info.samples == 1);
  const bool jpeg_color = info.compression == COMPRESSION_JPEG && info.photometric == PHOTOMETRIC_YCBCR;
  const int width = image.width;
  Result<void> read;
  if (strips && gray && info.samples == 1 && info.bits == 1) {
    const BitTable& table = info.photometric == PHOTOMETRIC_MINISWHITE ? kMinIsWhite : kMinIsBlack;
    read = ReadStrips(tif, image, page, [&](const std::uint8_t* in, std::uint8_t* out) {
      const int whole = width / 8;
      for (int i = 0; i < whole; ++i) std::memcpy(out + 8 * i, table[in[i]].data(), 8);
      if (width % 8) std::memcpy(out + 8 * whole, table[in[whole]].data(), width % 8);
    });
  } else if (strips && gray && info.samples == 1 && info.bits == 8) {
    const bool invert = info.photometric == PHOTOMETRIC_MINISWHITE;
    read = ReadStrips(tif, image, page, [&](const std::uint8_t* in, std::uint8_t* out) {
      if (!invert) return static_cast<void>(std::memcpy(out, in, width));
      for (int x = 0; x < width; ++x) out[x] = static_cast<std::uint8_t>(255 - in[x]);
    });
  } else if (strips && info.bits == 8 && info.samples >= 3 && (info.photometric == PHOTOMETRIC_RGB || jpeg_color)) {
    // libjpeg converts YCbCr to RGB itself when asked, which also undoes subsampling.
    if (jpeg_color) TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    const int step = jpeg_color ? 3 : info.samples;
    read = ReadStrips(tif, image, page, [&](const std::uint8_t* in, std::uint8_t* out) {
      for (int x = 0; x < width; ++x, in += step) {
        out[x] = static_cast<std::uint8_t>((77 * in[0] + 150 * in[1] + 29 * in[2] + 128) >> 8);
      }
    });
  } else {
    read = ReadViaRgba(tif, image, page);
  }
  if (!read) return tl::unexpected(read.error());
  // A damaged fax strip still "decodes", with lines missing or garbled, and
  // libtiff says so only through its messages; such a page must be seen by a person.
  const bool fax_codes = info.compression == COMPRESSION_CCITTRLE || info.compression == COMPRESSION_CCITTRLEW ||
                         info.compression == COMPRESSION_CCITTFAX3 || info.compression == COMPRESSION_CCITTFAX4;
  if (fax_codes && file.messages != messages_before) return tl::unexpected(PageDamaged(page));
  return image;
}

}  // namespace

namespace decode_detail {

Result<DecodedFile> DecodeTiff(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  MemoryFile file{.data = bytes.data(), .size = bytes.size()};
  const IfdLayout layout(bytes);
  TiffPtr tif = OpenTiff(file, "r");
  if (!tif) return tl::unexpected(DirectoryError(bytes, layout.First(bytes), 1));
  DecodedFile decoded;
  decoded.kind = FileKind::kTiff;
  decoded.station_id = TagText(tif.get(), TIFFTAG_IMAGEDESCRIPTION);
  decoded.received_time = TagDateTime(tif.get());

  PageBudget budget(limits);
  std::vector<tdir_t> directories;
  std::vector<PageInfo> infos;
  for (tdir_t directory = 0;; ++directory) {
    if (IsPage(tif.get())) {
      const int page = static_cast<int>(infos.size()) + 1;
      if (auto count = budget.CheckPageCount(page); !count) return tl::unexpected(count.error());
      PageInfo info = ReadPageInfo(tif.get());
      if (info.width == 0 || info.height == 0) return tl::unexpected(PageDamaged(page));
      if (auto fits = budget.Charge(page, info.width, info.height); !fits) return tl::unexpected(fits.error());
      directories.push_back(directory);
      infos.push_back(info);
    }
    if (TIFFLastDirectory(tif.get())) break;
    // Thumbnails and masks are not pages but cost a directory read each: a
    // chain of millions of them must not stall the service.
    if (directory >= 2 * static_cast<tdir_t>(std::max(limits.max_pages, 0)) + 1) {
      return Fail(ErrorCode::kTooLarge, "TIFF file holds too many images: ask the sender to split it");
    }
    const std::uint64_t here = TIFFCurrentDirOffset(tif.get());
    if (!TIFFReadDirectory(tif.get())) {
      return tl::unexpected(DirectoryError(bytes, layout.Next(bytes, here), static_cast<int>(infos.size()) + 1));
    }
  }
  if (infos.empty()) return Fail(ErrorCode::kEmptyFile, "TIFF file has no pages: ask the sender to send it again");

  for (std::size_t i = 0; i < infos.size(); ++i) {
    const int page = static_cast<int>(i) + 1;
    if (!TIFFSetDirectory(tif.get(), directories[i])) return tl::unexpected(PageDamaged(page));
    Result<GrayImage> image = ReadPage(tif.get(), infos[i], file, page);
    if (!image) return tl::unexpected(image.error());
    decoded.pages.push_back(
        {.number = page, .image = std::move(*image), .bilevel = infos[i].bits == 1 && infos[i].samples == 1});
  }
  return decoded;
}

}  // namespace decode_detail

Result<std::vector<std::uint8_t>> EncodeTiff(const std::vector<GrayImage>& pages, const FaxTiffOptions& options) {
  if (pages.empty()) return Fail(ErrorCode::kEmptyFile, "no pages to write");
  std::vector<std::uint8_t> buffer;
  MemoryFile file{.buffer = &buffer};
  TiffPtr tif = OpenTiff(file, "w");
  if (!tif) return Fail(ErrorCode::kInternal, "cannot start a TIFF in memory");

  const FaxCompression compression = options.compression;
  const bool bilevel = compression == FaxCompression::kG3_1D || compression == FaxCompression::kG3_2D ||
                       compression == FaxCompression::kG4 || compression == FaxCompression::kModifiedHuffman;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const GrayImage& page = pages[i];
    const std::string which = "page " + std::to_string(i + 1);
    if (page.Empty() || page.pixels.size() != static_cast<std::size_t>(page.width) * page.height) {
      return Fail(ErrorCode::kInternal, which + " has no pixels or a wrong pixel count");
    }
    TIFF* t = tif.get();
    TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(page.width));
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(page.height));
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_PAGENUMBER, static_cast<std::uint16_t>(i), static_cast<std::uint16_t>(pages.size()));
    if (page.dpi_x > 0 && page.dpi_y > 0) {
      TIFFSetField(t, TIFFTAG_XRESOLUTION, static_cast<float>(page.dpi_x));
      TIFFSetField(t, TIFFTAG_YRESOLUTION, static_cast<float>(page.dpi_y));
      TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    }
    if (options.station_id) TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, options.station_id->c_str());
    if (options.date_time) TIFFSetField(t, TIFFTAG_DATETIME, options.date_time->c_str());
    TIFFSetField(t, TIFFTAG_SOFTWARE, "intake");
    if (bilevel) {
      // Class F: 1-bit min-is-white, bits in the order fax modems send them, one strip per page.
      TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
      TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
      TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
      switch (compression) {
        case FaxCompression::kModifiedHuffman: TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTRLE); break;
        case FaxCompression::kG4: TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4); break;
        default:
          TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
          TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, compression == FaxCompression::kG3_2D ? GROUP3OPT_2DENCODING : 0);
      }
      TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, static_cast<std::uint32_t>(page.height));
    } else {
      TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
      TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
      if (compression == FaxCompression::kLzw) {
        TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
        TIFFSetField(t, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
      } else if (compression == FaxCompression::kJpeg) {
        TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
        TIFFSetField(t, TIFFTAG_JPEGQUALITY, 90);
      } else {
        TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
      }
      TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(t, 0));
    }
    std::vector<std::uint8_t> row(bilevel ? (page.width + 7) / 8 : page.width);
    for (int y = 0; y < page.height; ++y) {
      const std::uint8_t* in = page.pixels.data() + static_cast<std::size_t>(y) * page.width;
      if (bilevel) {
        std::fill(row.begin(), row.end(), 0);
        for (int x = 0; x < page.width; ++x) {
          if (in[x] < 128) row[x >> 3] |= static_cast<std::uint8_t>(0x80 >> (x & 7));
        }
      } else {
        std::memcpy(row.data(), in, row.size());
      }
      if (TIFFWriteScanline(t, row.data(), static_cast<std::uint32_t>(y), 0) < 0) {
        return Fail(ErrorCode::kInternal, "cannot encode " + which + " of the TIFF");
      }
    }
    if (!TIFFWriteDirectory(t)) return Fail(ErrorCode::kInternal, "cannot write " + which + " of the TIFF");
  }
  tif.reset();  // flushes the last directory into `buffer`
  return buffer;
}

}  // namespace intake
