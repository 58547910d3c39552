#include "attest/status.h"

namespace ratls::attest {

std::string_view status_name(Status s) {
  switch (s) {
#define RATLS_STATUS_CASE(name) \
  case Status::name:            \
    return #name;
    RATLS_STATUS_LIST(RATLS_STATUS_CASE)
#undef RATLS_STATUS_CASE
  }
  return "STATUS_UNKNOWN";
}

}  // namespace ratls::attest
