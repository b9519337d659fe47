// A child process for integration tests: started with its stdout on a pipe, read line by line
// with a deadline, and always reaped (SIGTERM, then SIGKILL) so no test leaves a server behind.
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace coassist::test {

class child_process {
public:
  // argv[0] is the program path. `env` entries are added to (or override) the test's environment.
  explicit child_process(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                         bool capture_stdout = true) {
    int fds[2] = {-1, -1};
    if (capture_stdout && ::pipe2(fds, O_CLOEXEC) != 0)
      throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));

    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      std::string s(*e);
      auto eq = s.find('=');
      if (eq != std::string::npos && env.count(s.substr(0, eq))) continue;
      env_strings.push_back(std::move(s));
    }
    for (auto& [k, v] : env)
      env_strings.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& s : env_strings)
      envp.push_back(s.data());
    envp.push_back(nullptr);
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);

    // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: a test that dies (abort, a
    // crash, a ctest timeout) takes its servers with it. A surviving child would keep ctest's
    // output pipe open and ctest would wait for it forever. The exec error comes back on a
    // close-on-exec pipe. Only async-signal-safe calls run between fork and exec.
    int err_pipe[2];
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
      int e = errno;
      if (capture_stdout) ::close(fds[0]), ::close(fds[1]);
      throw std::runtime_error(std::string("pipe: ") + std::strerror(e));
    }
    const ::pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127); // the parent died before prctl took effect
      if (capture_stdout) ::dup2(fds[1], STDOUT_FILENO);
      ::execve(args[0], args.data(), envp.data());
      int e = errno;
      [[maybe_unused]] auto n = ::write(err_pipe[1], &e, sizeof e);
      ::_exit(127);
    }
    int fork_errno = errno;
    ::close(err_pipe[1]);
    if (capture_stdout) ::close(fds[1]);
    int exec_errno = 0;
    if (pid_ < 0) {
      exec_errno = fork_errno;
    } else {
      ssize_t n;
      do
        n = ::read(err_pipe[0], &exec_errno, sizeof exec_errno);
      while (n < 0 && errno == EINTR);
      if (n != static_cast<ssize_t>(sizeof exec_errno)) exec_errno = 0; // exec succeeded
    }
    ::close(err_pipe[0]);
    if (exec_errno != 0) {
      if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
      if (capture_stdout) ::close(fds[0]);
      throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(exec_errno));
    }
    out_fd_ = capture_stdout ? fds[0] : -1;
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    terminate();
    if (out_fd_ >= 0) ::close(out_fd_);
  }

  ::pid_t pid() const { return pid_; }

  // The next line of the child's stdout (without the newline). Throws on EOF or when `deadline`
  // passes first, so a child that never speaks fails the test instead of hanging it.
  std::string read_line(std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw std::runtime_error("child process: no output line in time");
      pollfd p{out_fd_, POLLIN, 0};
      int n = ::poll(&p, 1, static_cast<int>(left.count()));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) continue;
      char chunk[4096];
      auto got = ::read(out_fd_, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) throw std::runtime_error("child process: stdout closed");
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
  }

  // Sends `sig` and waits up to `deadline` for the exit; returns the exit code, or 128+signal.
  std::optional<int> stop(int sig = SIGTERM,
                          std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    if (pid_ <= 0) return status_;
    ::kill(pid_, sig);
    return wait(deadline);
  }

  // Waits for the child to exit by itself; nullopt when it is still running at the deadline.
  std::optional<int> wait(std::chrono::milliseconds deadline) {
    if (pid_ <= 0) return status_;
    auto until = std::chrono::steady_clock::now() + deadline;
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
      int st = 0;
      ::pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
      }
      if (std::chrono::steady_clock::now() >= until) return std::nullopt;
      // polling the exit of another process: waitpid has no timeout form
      ::usleep(static_cast<useconds_t>(pause.count() * 1000));
      pause = std::min(pause * 2, std::chrono::milliseconds(20));
    }
  }

  void terminate() {
    if (pid_ <= 0) return;
    if (!stop(SIGTERM, std::chrono::seconds(5))) stop(SIGKILL, std::chrono::seconds(5));
  }

private:
  ::pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  std::optional<int> status_;
};

} // namespace coassist::test
