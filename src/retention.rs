//! The retention policy: every kind of personal record with its period. Each capability names
//! its own kinds (`<capability>::retention::kinds`); a new one (pass logs, quarantine checks)
//! adds its list here. The mechanism is `audit::retention`.

use crate::audit::retention::Kind;

pub fn kinds() -> Vec<Kind> {
    let mut v = Vec::new();
    v.extend(crate::access::retention::kinds());
    v.extend(crate::audit::retention::kinds());
    v.extend(crate::testing::retention::kinds());
    v.extend(crate::mobilization::retention::kinds());
    v.extend(crate::needs::retention::kinds());
    v.extend(crate::checkpoints::retention::kinds());
    v.extend(crate::quarantine::retention::kinds());
    v.extend(crate::vaccination::retention::kinds());
    v.extend(crate::supplies::retention::kinds());
    v.extend(crate::zones::retention::kinds());
    v
}
