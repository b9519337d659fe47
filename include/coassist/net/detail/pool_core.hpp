// The bookkeeping of one origin's keep-alive pool, without I/O or clocks of its own (time is
// passed in), so its decisions are unit-tested with a fake clock.
//  - at most `max_connections` connections exist (idle + checked out + being connected);
//  - acquire() reuses the most recently released idle connection (the least likely to have been
//    closed by the server), after dropping those idle longer than `idle_timeout`;
//  - when full, the caller waits; release()/discard() name the first waiter (FIFO) to wake.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

namespace coassist::net::detail {

template <class Conn, class Waiter, class Clock = std::chrono::steady_clock> class pool_core {
public:
  using time_point = typename Clock::time_point;
  enum class action { reuse, connect, wait };

  explicit pool_core(std::size_t max_connections) : max_(max_connections ? max_connections : 1) {}

  // reuse: `out` holds an idle connection (now checked out). connect: a slot is reserved for a
  // new connection (call discard() if connecting fails). wait: enqueue() and wait.
  // Idle connections past idle_timeout are moved to `expired` for the caller to close.
  // `woken`: the caller was woken by release()/discard() and may go ahead of the queue (new
  // arrivals never overtake queued waiters).
  action acquire(time_point now, std::chrono::milliseconds idle_timeout, Conn& out,
                 std::vector<Conn>& expired, bool woken = false) {
    std::erase_if(idle_, [&](idle_entry& e) {
      if (now - e.since < idle_timeout) return false;
      expired.push_back(std::move(e.conn));
      return true;
    });
    if (!woken && !waiters_.empty()) return action::wait;
    if (!idle_.empty()) {
      out = std::move(idle_.back().conn);
      idle_.pop_back();
      ++busy_;
      return action::reuse;
    }
    if (busy_ < max_) {
      ++busy_;
      return action::connect;
    }
    return action::wait;
  }

  // A woken waiter calls acquire(..., woken = true), which succeeds because the waker left room
  // (release keeps the connection idle; discard frees the slot). A woken waiter that gives up
  // instead (cancelled, deadline) must pass its turn on: wake next_waiter().
  void enqueue(Waiter* w) { waiters_.push_back(w); }
  void remove(Waiter* w) { std::erase(waiters_, w); }
  Waiter* next_waiter() { return pop_waiter(); }

  // A checked-out connection finished a response cleanly: keep it idle. Returns the waiter to wake.
  Waiter* release(Conn c, time_point now) {
    --busy_;
    idle_.push_back(idle_entry{std::move(c), now});
    return pop_waiter();
  }

  // A checked-out (or being connected) connection is gone. Returns the waiter to wake.
  Waiter* discard() {
    --busy_;
    return pop_waiter();
  }

  std::size_t idle_count() const { return idle_.size(); }
  std::size_t busy_count() const { return busy_; }
  std::size_t waiting_count() const { return waiters_.size(); }

  // Closes nothing itself: hands every idle connection to the caller.
  std::vector<Conn> take_idle() {
    std::vector<Conn> out;
    for (auto& e : idle_)
      out.push_back(std::move(e.conn));
    idle_.clear();
    return out;
  }

private:
  struct idle_entry {
    Conn conn;
    time_point since;
  };
  Waiter* pop_waiter() {
    if (waiters_.empty()) return nullptr;
    Waiter* w = waiters_.front();
    waiters_.pop_front();
    return w;
  }

  std::size_t max_;
  std::size_t busy_ = 0;
  std::vector<idle_entry> idle_;
  std::deque<Waiter*> waiters_;
};

} // namespace coassist::net::detail
