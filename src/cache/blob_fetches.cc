#include "cache/blob_fetches.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "api/upload_sessions.h"
#include "crypto/random.h"
#include "crypto/sha256.h"

namespace berth::cache {
namespace {

namespace asio = boost::asio;

constexpr int64_t kLeaseSeconds = 30;

Result<int> OpenSpool(const std::string& dir) {
  // An unlinked file: nothing to clean up after a crash.
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string path = dir + "/.cache-spool-XXXXXX";
  fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return FailErrno("creating a spool file in " + dir, errno);
  ::unlink(path.c_str());
  return fd;
}

// The same file opened again for O_DIRECT writes, or -1 where that is not possible.
int DirectFd(int fd) {
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  return ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
}

Status WriteAll(int fd, const char* data, size_t n, uint64_t offset) {
  for (size_t done = 0; done < n;) {
    const ssize_t w = ::pwrite(fd, data + done, n - done, static_cast<off_t>(offset + done));
    if (w < 0) return FailErrno("writing the cache spool", errno);
    done += static_cast<size_t>(w);
  }
  return {};
}

}  // namespace

struct BlobFetch::Waiter {
  asio::any_io_executor executor;
  std::shared_ptr<asio::steady_timer> timer;
};

std::vector<char> BufferPool::Take(size_t size) {
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      std::vector<char> b = std::move(free_.back());
      free_.pop_back();
      return b;
    }
  }
  return std::vector<char>(size);
}

void BufferPool::Give(std::vector<char> buffer) {
  std::lock_guard lock(mu_);
  if (free_.size() < 16) free_.push_back(std::move(buffer));
}

BlobFetch::~BlobFetch() {
  Wake(std::move(waiters_));
  if (spool_fd_ >= 0) ::close(spool_fd_);
  if (spool_direct_fd_ >= 0) ::close(spool_direct_fd_);
  if (!ring_memory_.empty()) pool_->Give(std::move(ring_memory_));
}

char* BlobFetch::Ring() const {
  const auto at = reinterpret_cast<uintptr_t>(ring_memory_.data());
  const uintptr_t align = blob::AlignedBuffer::kAlignment;
  return reinterpret_cast<char*>((at + align - 1) & ~(align - 1));
}

BlobFetch::State BlobFetch::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

void BlobFetch::Update(const std::function<void(State&)>& change) {
  std::vector<std::shared_ptr<Waiter>> wake;
  {
    std::lock_guard lock(mu_);
    change(state_);
    wake.swap(waiters_);
  }
  changed_.notify_all();
  Wake(std::move(wake));
}

void BlobFetch::Wake(std::vector<std::shared_ptr<Waiter>> waiters) {
  // A waiter's timer belongs to its I/O thread: it is cancelled there, and released there too
  // (the handler owns the last reference), since a timer destroyed on another thread races its
  // io_context. The coroutine registered the timer before suspending on it, on that same thread,
  // so the cancel cannot come before the wait.
  for (auto& w : waiters) {
    asio::any_io_executor executor = w->executor;
    asio::post(executor, [w = std::move(w)] { w->timer->cancel(); });
  }
}

http::Task<void> BlobFetch::Wait(std::function<bool(const State&)> until) {
  asio::any_io_executor executor = co_await asio::this_coro::executor;
  while (true) {
    auto waiter = std::make_shared<Waiter>(Waiter{executor, std::make_shared<asio::steady_timer>(executor)});
    {
      std::lock_guard lock(mu_);
      if (until(state_) || state_.error || state_.finished || state_.elsewhere) co_return;
      waiter->timer->expires_after(std::chrono::seconds(1));
      waiters_.push_back(waiter);
    }
    boost::system::error_code ec;
    co_await waiter->timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

Status BlobFetch::WaitFinished() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return state_.finished || state_.elsewhere || state_.error.has_value(); });
  if (state_.error) return std::unexpected(*state_.error);
  return {};
}

Result<size_t> BlobFetch::ReadAt(uint64_t offset, std::span<char> out) const {
  size_t want = 0;
  {
    std::lock_guard lock(mu_);
    if (state_.error && offset >= state_.written) return std::unexpected(*state_.error);
    const uint64_t available = state_.written > offset ? state_.written - offset : 0;
    want = static_cast<size_t>(std::min<uint64_t>(out.size(), available));
    if (want == 0) return size_t{0};
    if (!ring_memory_.empty() && state_.written - offset <= kRingBytes - kChunk) {
      // A pull keeping up: from memory.
      const char* ring = Ring();
      for (size_t done = 0; done < want;) {
        const size_t at = static_cast<size_t>((offset + done) % kRingBytes);
        const size_t part = std::min(want - done, kRingBytes - at);
        std::memcpy(out.data() + done, ring + at, part);
        done += part;
      }
      return want;
    }
    want = static_cast<size_t>(std::min<uint64_t>(want, spooled_ > offset ? spooled_ - offset : 0));
    if (want == 0) return Fail(Code::kInternal, "a spool read fell between the ring and the file");
  }
  const ssize_t n = ::pread(spool_fd_, out.data(), want, static_cast<off_t>(offset));
  if (n < 0) return FailErrno("reading the cache spool", errno);
  return static_cast<size_t>(n);
}

namespace {

class SpoolStream final : public http::StreamBody {
 public:
  explicit SpoolStream(std::shared_ptr<BlobFetch> fetch) : fetch_(std::move(fetch)) {}
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    BERTH_ASSIGN(size_t n, fetch_->ReadAt(offset, out));
    if (n == 0) return Fail(Code::kUnavailable, "the upstream download of " + fetch_->digest().str() + " stopped");
    return n;
  }
  int native_fd() const override { return -1; }
  bool growing() const override { return true; }
  http::Task<void> Available(uint64_t offset) override {
    co_await fetch_->Wait([offset](const BlobFetch::State& s) { return s.written > offset; });
  }

 private:
  std::shared_ptr<BlobFetch> fetch_;
};

}  // namespace

std::unique_ptr<http::StreamBody> SpoolBody(std::shared_ptr<BlobFetch> fetch) {
  return std::make_unique<SpoolStream>(std::move(fetch));
}

BlobFetches::BlobFetches(meta::MetadataStore& meta, blob::BlobStore& blobs, BlobFetchesOptions options,
                         std::function<int64_t()> clock)
    : meta_(meta), blobs_(blobs), options_(std::move(options)), clock_(std::move(clock)),
      pool_(options_.max_parallel) {}

BlobFetches::~BlobFetches() {
  stopping_ = true;
  pool_.join();
}

std::shared_ptr<BlobFetch> BlobFetches::Join(meta::RepositoryId repo, const oci::Digest& digest, Opener open) {
  std::lock_guard lock(mu_);
  auto it = active_.find(digest.str());
  if (it != active_.end()) {
    std::lock_guard fetch_lock(it->second->mu_);
    // One that failed and is on its way out is not joined: this pull tries again.
    if (!it->second->state_.error) {
      it->second->repositories_.insert(repo);
      return it->second;
    }
  }
  auto fetch = std::make_shared<BlobFetch>(digest, buffers_);
  fetch->repositories_.insert(repo);
  active_.insert_or_assign(digest.str(), fetch);
  asio::post(pool_, [this, fetch, open = std::move(open)] { Run(fetch, open); });
  return fetch;
}

void BlobFetches::Run(const std::shared_ptr<BlobFetch>& fetch, const Opener& open) {
  const std::string lease = "blob-fetch:" + std::string(fetch->digest().hex());
  Status done = [&]() -> Status {
    // Another node may be downloading it: wait for it to land in this repository, or for the
    // lease to come free.
    meta::RepositoryId repo;
    {
      std::lock_guard lock(fetch->mu_);
      repo = *fetch->repositories_.begin();
    }
    while (options_.shared_store) {
      if (stopping_) return Fail(Code::kUnavailable, "the server is stopping");
      // Whether it landed is asked before the lease, and again once it is held: a node that
      // finished releases the lease after the blob is in.
      BERTH_ASSIGN(std::optional<uint64_t> present, meta_.FindBlob(repo, fetch->digest()));
      if (!present) {
        BERTH_ASSIGN(bool held, meta_.TryLease(lease, options_.node_id, clock_(), kLeaseSeconds));
        if (held) {
          BERTH_ASSIGN(present, meta_.FindBlob(repo, fetch->digest()));
          if (!present) break;
          (void)meta_.ReleaseLease(lease, options_.node_id);
        }
      }
      if (present) {
        fetch->Update([](BlobFetch::State& s) { s.elsewhere = true; });
        return {};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    Status fetched = Download(*fetch, open, lease);
    if (options_.shared_store) (void)meta_.ReleaseLease(lease, options_.node_id);
    return fetched;
  }();
  {
    std::lock_guard lock(mu_);
    if (auto it = active_.find(fetch->digest().str()); it != active_.end() && it->second == fetch) active_.erase(it);
  }
  if (!done) fetch->Update([&](BlobFetch::State& s) { s.error = done.error(); });
}

Status BlobFetches::Spool(BlobFetch& fetch) {
  auto failed = [&fetch](const Error& e) {
    std::lock_guard lock(fetch.mu_);
    fetch.spool_error_ = e;
    fetch.spool_changed_.notify_all();
    return std::unexpected(e);
  };
  while (true) {
    uint64_t at = 0;
    size_t n = 0;
    bool tail = false;
    {
      std::unique_lock lock(fetch.mu_);
      fetch.spool_changed_.wait(lock, [&] {
        return fetch.state_.written - fetch.spooled_ >= BlobFetch::kChunk || fetch.read_all_ || fetch.state_.error;
      });
      if (fetch.state_.error) return std::unexpected(*fetch.state_.error);
      at = fetch.spooled_;
      n = static_cast<size_t>(std::min<uint64_t>(fetch.state_.written - at, BlobFetch::kChunk));
      tail = n < BlobFetch::kChunk;
      if (n == 0) return {};
    }
    // Only this thread writes [spooled, written) out and the download never reads into it
    // before it is spooled, so it is read here without the lock.
    const char* data = fetch.Ring() + at % BlobFetch::kRingBytes;
    const bool direct = !tail && fetch.spool_direct_fd_ >= 0;
    if (Status w = WriteAll(direct ? fetch.spool_direct_fd_ : fetch.spool_fd_, data, n, at); !w) return failed(w.error());
    std::lock_guard lock(fetch.mu_);
    fetch.spooled_ += n;
    fetch.spool_changed_.notify_all();
    if (tail) return {};
  }
}

Status BlobFetches::Download(BlobFetch& fetch, const Opener& open, const std::string& lease) {
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> body, open());
  BERTH_ASSIGN(int fd, OpenSpool(options_.spool_dir));
  {
    std::lock_guard lock(fetch.mu_);
    fetch.spool_fd_ = fd;
    fetch.spool_direct_fd_ = DirectFd(fd);
    fetch.ring_memory_ = buffers_->Take(BlobFetch::kRingBytes + blob::AlignedBuffer::kAlignment);
  }
  downloads_++;
  const std::optional<uint64_t> size = body->content_length;
  fetch.Update([&](BlobFetch::State& s) {
    s.started = true;
    s.size = size.value_or(0);
  });
  if (!size) return Fail(Code::kUnavailable, "the upstream sent " + fetch.digest().str() + " without a length");
  std::thread spooler;
  Status spooled;
  spooler = std::thread([&] { spooled = Spool(fetch); });
  Status read = [&]() -> Status {
    crypto::Sha256 hash;
    uint64_t written = 0;
    int64_t renewed = clock_();
    char* ring = fetch.Ring();
    while (true) {
      if (stopping_) return Fail(Code::kUnavailable, "the server is stopping");
      // Up to the end of the current chunk, once the spool has freed that part of the ring.
      const size_t room = BlobFetch::kChunk - static_cast<size_t>(written % BlobFetch::kChunk);
      {
        std::unique_lock lock(fetch.mu_);
        fetch.spool_changed_.wait(lock, [&] {
          return written + room - fetch.spooled_ <= BlobFetch::kRingBytes || fetch.spool_error_;
        });
        if (fetch.spool_error_) return std::unexpected(*fetch.spool_error_);
      }
      char* into = ring + written % BlobFetch::kRingBytes;
      BERTH_ASSIGN(size_t n, body->Read(std::span<char>(into, room)));
      if (n == 0) break;
      if (written + n > *size) return Fail(Code::kUnavailable, "the upstream sent more than it announced");
      hash.Update(into, n);
      written += n;
      bytes_ += n;
      fetch.Update([&](BlobFetch::State& s) { s.written = written; });
      {
        std::lock_guard lock(fetch.mu_);
        fetch.spool_changed_.notify_all();
      }
      if (options_.shared_store && clock_() - renewed >= kLeaseSeconds / 3) {
        renewed = clock_();
        (void)meta_.TryLease(lease, options_.node_id, renewed, kLeaseSeconds);
      }
    }
    if (written != *size) {
      return Fail(Code::kUnavailable, "the upstream's download of " + fetch.digest().str() + " ended early");
    }
    if (hash.FinishHex() != fetch.digest().hex()) {
      return Fail(Code::kUnavailable, "the upstream's bytes for " + fetch.digest().str() + " do not hash to it");
    }
    return {};
  }();
  {
    std::lock_guard lock(fetch.mu_);
    fetch.read_all_ = true;
    fetch.spool_changed_.notify_all();
  }
  if (!read) fetch.Update([&](BlobFetch::State& s) { s.error = read.error(); });  // stops the spool thread
  spooler.join();
  BERTH_TRY(read);
  BERTH_TRY(spooled);
  BERTH_TRY(Store(fetch));
  fetch.Update([](BlobFetch::State& s) { s.finished = true; });
  return {};
}

Status BlobFetches::Store(BlobFetch& fetch) {
  std::set<meta::RepositoryId> repositories;
  {
    std::lock_guard lock(fetch.mu_);
    repositories = fetch.repositories_;
  }
  const meta::RepositoryId first = *repositories.begin();
  const std::string upload_id = crypto::RandomUuid();
  BERTH_TRY(meta_.CreateUpload({.id = upload_id, .repository = first, .size = 0,
                                .hash_state = crypto::Sha256().SaveState(), .updated_at = clock_()}));
  Status stored = [&]() -> Status {
    Status adopted = blobs_.Adopt(fetch.spool_fd_, fetch.digest());
    if (adopted) {
      return meta_.CommitUpload(upload_id, fetch.digest(), fetch.state().size, clock_(),
                                api::BytesPresent(blobs_, fetch.digest()));
    }
    if (adopted.error().code() != Code::kUnimplemented) return adopted;
    BERTH_ASSIGN(std::unique_ptr<blob::BlobWriter> writer, blobs_.NewWriter(upload_id));
    std::vector<char> chunk(BlobFetch::kChunk);
    for (uint64_t offset = 0;;) {
      BERTH_ASSIGN(size_t n, fetch.ReadAt(offset, std::span<char>(chunk.data(), chunk.size())));
      if (n == 0) break;
      BERTH_TRY(writer->Append(std::string_view(chunk.data(), n)));
      if (writer->flush_due()) BERTH_TRY(writer->Flush());
      offset += n;
    }
    BERTH_TRY(writer->Commit(fetch.digest()));
    return meta_.CommitUpload(upload_id, fetch.digest(), writer->size(), clock_(), api::BytesPresent(blobs_, fetch.digest()));
  }();
  if (!stored) {
    (void)api::EndUploadSession(meta_, blobs_, upload_id);
    return stored;
  }
  // Pulls of other repositories joined this download: their repositories get the blob too.
  {
    std::lock_guard lock(fetch.mu_);
    repositories = fetch.repositories_;
  }
  for (meta::RepositoryId repo : repositories) {
    if (repo != first) BERTH_TRY(meta_.MountBlob(repo, first, fetch.digest(), clock_()));
  }
  return {};
}

}  // namespace berth::cache
