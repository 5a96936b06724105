// A POSIX file descriptor owned by one object and closed when it goes (key files, output files opened with
// O_NOFOLLOW and fixed modes, where std::fstream cannot say how a file is opened).
#pragma once

#include <unistd.h>

namespace provisioner {

class UniqueFd {
  public:
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    [[nodiscard]] int get() const { return fd_; }

  private:
    int fd_;
};

}  // namespace provisioner
