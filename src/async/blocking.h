// async/blocking.h
//
// RunBlocking moves a blocking call (fsync, a SQLite write transaction) off the I/O threads onto
// a thread pool and resumes the calling coroutine on its own executor with the result.
//
// The callable is taken by reference: the caller co_awaits immediately, so it outlives the call.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>

namespace berth::async {

template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> RunBlocking(boost::asio::thread_pool& pool, F&& f) {
  using R = std::invoke_result_t<F&>;
  // co_spawn completes through the caller's executor (its strand), which is what makes the hop
  // back safe; the pointer keeps the coroutine lambda capture-free.
  co_return co_await boost::asio::co_spawn(
      pool.get_executor(),
      [](std::remove_reference_t<F>* fn) -> boost::asio::awaitable<R> { co_return (*fn)(); }(&f),
      boost::asio::use_awaitable);
}

}  // namespace berth::async
