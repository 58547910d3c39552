#include "attest/policy.h"

namespace ratls::attest {}  // namespace ratls::attest
