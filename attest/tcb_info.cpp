#include "attest/tcb_info.h"

namespace ratls::attest {}  // namespace ratls::attest
