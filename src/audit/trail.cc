#include "audit/trail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>

#include "base/files.h"
#include "telemetry/log.h"

namespace berth::audit {

Result<std::unique_ptr<Trail>> Trail::Open(TrailOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return Fail(Code::kInternal, "create " + options.dir + ": " + ec.message());
  ::chmod(options.dir.c_str(), 0750);
  std::unique_ptr<Trail> trail(new Trail(std::move(options)));
  const std::string path = trail->options_.dir + "/audit.log";
  trail->fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (trail->fd_ < 0) return FailErrno("open " + path, errno);
  struct stat st {};
  if (::fstat(trail->fd_, &st) == 0) trail->file_bytes_ = static_cast<uint64_t>(st.st_size);
  trail->thread_ = std::thread([t = trail.get()] { t->Run(); });
  return trail;
}

Trail::Trail(TrailOptions options) : options_(std::move(options)) {}

Trail::~Trail() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) {
    ::fsync(fd_);
    ::close(fd_);
  }
}

void Trail::Record(std::string_view json) {
  std::unique_lock lock(mu_);
  // Back-pressure, not loss: an audit trail with holes would be worse than a slow request.
  drained_.wait(lock, [&] { return queue_.size() < options_.max_queued_bytes || stop_; });
  const bool was_empty = queue_.empty();
  queue_ += json;
  queue_ += '\n';
  ++queued_;
  lock.unlock();
  // The writer gathers a batch before it writes; waking it per record would cost a context
  // switch per request.
  if (was_empty) wake_.notify_one();
}

void Trail::Flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = queued_;
  ++flushing_;
  wake_.notify_one();
  drained_.wait(lock, [&] { return written_ >= target || stop_; });
  --flushing_;
}

uint64_t Trail::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

std::vector<std::string> Trail::Files() const {
  std::vector<std::string> files;
  for (int i = options_.keep_files; i >= 1; --i) {
    std::string path = options_.dir + "/audit.log." + std::to_string(i);
    if (::access(path.c_str(), R_OK) == 0) files.push_back(std::move(path));
  }
  files.push_back(options_.dir + "/audit.log");
  return files;
}

void Trail::Run() {
  // Two buffers that trade places keep their capacity: the queue never grows again from empty,
  // and no batch-sized block is freed per batch (which made malloc consolidate its free lists).
  std::string batch;
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return !queue_.empty() || stop_; });
    if (queue_.empty() && stop_) return;
    // Let a batch gather (a few milliseconds of requests), unless someone waits for it.
    if (!stop_ && !flushing_) {
      wake_.wait_for(lock, std::chrono::milliseconds(5), [&] { return stop_ || flushing_; });
    }
    batch.clear();
    batch.swap(queue_);
    const uint64_t records = queued_;
    lock.unlock();
    if (Status s = WriteBatch(batch); !s) telemetry::LogError("audit trail write failed", {{"error", s.error().message()}});
    lock.lock();
    written_ = records;
    drained_.notify_all();
  }
}

Status Trail::WriteBatch(const std::string& batch) {
  if (file_bytes_ > 0 && file_bytes_ + batch.size() > options_.max_file_bytes) BERTH_TRY(Rotate());
  size_t done = 0;
  while (done < batch.size()) {
    ssize_t n = ::write(fd_, batch.data() + done, batch.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FailErrno("write audit.log", errno);
    done += static_cast<size_t>(n);
  }
  file_bytes_ += batch.size();
  return {};
}

Status Trail::Rotate() {
  ::fsync(fd_);
  ::close(fd_);
  fd_ = -1;
  const std::string base = options_.dir + "/audit.log";
  RotateNumbered(base, options_.keep_files);
  fd_ = ::open(base.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) return FailErrno("open " + base, errno);
  file_bytes_ = 0;
  return {};
}

}  // namespace berth::audit
