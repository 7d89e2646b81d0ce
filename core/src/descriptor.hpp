#pragma once

#include <unistd.h>

namespace strata::detail {

// An open file descriptor (or -1), closed when its owner goes: a constructor that throws after
// opening one leaves nothing open. Neither copied nor moved.
struct Descriptor {
  int fd;
  explicit Descriptor(int opened) : fd(opened) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace strata::detail
