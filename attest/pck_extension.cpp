#include "attest/pck_extension.h"

namespace ratls::attest {}  // namespace ratls::attest
