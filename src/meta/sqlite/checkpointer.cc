#include "meta/sqlite/checkpointer.h"

namespace berth::meta::sqlite {

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path, Connection& writer) {
  BERTH_ASSIGN(std::unique_ptr<Connection> own, Connection::Open(path, /*read_only=*/false));
  std::unique_ptr<Checkpointer> c(new Checkpointer(std::move(own), writer));
  // The hook replaces the automatic checkpoint (sqlite3_wal_autocheckpoint is one such hook).
  sqlite3_wal_hook(writer.handle(), &Checkpointer::OnCommit, c.get());
  c->thread_ = std::thread([raw = c.get()] { raw->Run(); });
  return c;
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_wal_autocheckpoint(writer_.handle(), kPages);
}

int Checkpointer::OnCommit(void* self, sqlite3*, const char*, int pages) {
  auto* c = static_cast<Checkpointer*>(self);
  bool due = false;
  {
    std::lock_guard lock(c->mu_);
    c->pages_ = pages;
    due = pages >= kPages;
  }
  if (due) c->wake_.notify_one();
  return SQLITE_OK;
}

void Checkpointer::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || pages_ >= kPages; });
    if (stop_) return;
    pages_ = 0;  // the next commits say how far the WAL grew since
    lock.unlock();
    int log_pages = 0, copied = 0;
    // BUSY (a backup's checkpoint holds the lock) or an I/O error: the next commit asks again.
    if (sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_pages, &copied) ==
        SQLITE_OK) {
      ++checkpoints_;
    }
    lock.lock();
  }
}

}  // namespace berth::meta::sqlite
