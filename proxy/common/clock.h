// The wall clock, read in proxy/ only: attest/ takes the verification time as a parameter.
#pragma once

#include "attest/time.h"

namespace ratls::proxy {

attest::UnixTime now_utc();

}  // namespace ratls::proxy
