#include "attest/tcb_eval.h"

namespace ratls::attest {}  // namespace ratls::attest
