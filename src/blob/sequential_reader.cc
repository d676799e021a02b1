#include "blob/sequential_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace berth::blob {

SequentialReader::SequentialReader(BlobReader& reader, size_t chunk)
    : reader_(reader), buffer_((chunk + AlignedBuffer::kAlignment - 1) / AlignedBuffer::kAlignment * AlignedBuffer::kAlignment) {
  // A second descriptor on the same file, opened for direct I/O through /proc (the reader's own
  // descriptor keeps its flags for others).
  if (reader.native_fd() >= 0) {
    const std::string self = "/proc/self/fd/" + std::to_string(reader.native_fd());
    direct_ = Fd(::open(self.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  }
}

Result<std::span<const char>> SequentialReader::Next() {
  const uint64_t size = reader_.size();
  if (offset_ >= size) return std::span<const char>();
  std::span<char> out = buffer_.span();
  size_t n = 0;
  if (direct_.get() >= 0) {
    // Offsets stay multiples of the buffer's size, so every read is aligned; the last one
    // comes back short.
    ssize_t got;
    do {
      got = ::pread(direct_.get(), out.data(), out.size(), static_cast<off_t>(offset_));
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
      direct_.Reset();  // the file system refuses direct reads: buffered from here on
    } else {
      n = static_cast<size_t>(got);
    }
  }
  if (direct_.get() < 0) {
    BERTH_ASSIGN(n, reader_.ReadAt(offset_, out.first(std::min<uint64_t>(out.size(), size - offset_))));
  }
  n = static_cast<size_t>(std::min<uint64_t>(n, size - offset_));
  if (n == 0) return Fail(Code::kInternal, "the blob ended " + std::to_string(size - offset_) + " bytes early");
  offset_ += n;
  return std::span<const char>(out.data(), n);
}

}  // namespace berth::blob
