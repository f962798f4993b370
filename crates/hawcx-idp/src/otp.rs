//! One-time-code challenges: 6 digits, expiry, a bounded number of tries, single use.
//!
//! The same rules serve login, MFA enrolment and step-up, so they live in one place.

/// How many wrong codes a challenge tolerates before it is burnt.
pub(crate) const MAX_TRIES: u8 = 5;

/// A pending proof: either a code we delivered, or the user's TOTP app.
#[derive(Debug, Clone)]
pub(crate) struct Challenge {
    /// The delivered code; `None` for TOTP (checked against the user's secret).
    pub(crate) code: Option<String>,
    pub(crate) expires_at: i64,
    pub(crate) tries_left: u8,
}

/// Why an attempt failed. After `Expired` or `TooManyAttempts` the caller drops the
/// challenge; after `Wrong` it may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OtpError {
    Expired,
    TooManyAttempts,
    Wrong { tries_left: u8 },
}

impl OtpError {
    /// A stable machine-readable code for JSON replies.
    pub(crate) fn code(self) -> &'static str {
        match self {
            OtpError::Expired => "otp_expired",
            OtpError::TooManyAttempts => "too_many_attempts",
            OtpError::Wrong { .. } => "invalid_otp",
        }
    }

    /// A one-line message for people.
    pub(crate) fn message(self) -> String {
        match self {
            OtpError::Expired => "the code has expired; start again to get a new one".to_owned(),
            OtpError::TooManyAttempts => {
                "too many wrong codes; start again to get a new one".to_owned()
            }
            OtpError::Wrong { tries_left } => {
                format!("the code is not correct ({tries_left} tries left)")
            }
        }
    }

    /// Whether the challenge is finished and must be dropped.
    pub(crate) fn is_final(self) -> bool {
        !matches!(self, OtpError::Wrong { .. })
    }
}

impl Challenge {
    /// A delivered code valid for `ttl` seconds.
    pub(crate) fn delivered(code: String, now: i64, ttl: i64) -> Challenge {
        Challenge {
            code: Some(code),
            expires_at: now + ttl,
            tries_left: MAX_TRIES,
        }
    }

    /// A TOTP proof requested for `ttl` seconds.
    pub(crate) fn totp(now: i64, ttl: i64) -> Challenge {
        Challenge {
            code: None,
            expires_at: now + ttl,
            tries_left: MAX_TRIES,
        }
    }

    /// Checks one attempt. `totp_ok` is consulted only for TOTP challenges, and only when
    /// the challenge is still live, so an expired challenge never reveals whether a code
    /// was right.
    pub(crate) fn check(
        &mut self,
        now: i64,
        attempt: &str,
        totp_ok: impl FnOnce(&str) -> bool,
    ) -> Result<(), OtpError> {
        if now >= self.expires_at {
            return Err(OtpError::Expired);
        }
        if self.tries_left == 0 {
            return Err(OtpError::TooManyAttempts);
        }
        let well_formed = attempt.len() == 6 && attempt.bytes().all(|b| b.is_ascii_digit());
        let ok = well_formed
            && match &self.code {
                Some(code) => crate::util::ct_eq(code, attempt),
                None => totp_ok(attempt),
            };
        if ok {
            return Ok(());
        }
        self.tries_left -= 1;
        if self.tries_left == 0 {
            Err(OtpError::TooManyAttempts)
        } else {
            Err(OtpError::Wrong {
                tries_left: self.tries_left,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_tries_then_burnt() {
        let mut c = Challenge::delivered("123456".into(), 0, 300);
        for left in (1..5).rev() {
            assert_eq!(
                c.check(1, "000000", |_| false),
                Err(OtpError::Wrong { tries_left: left })
            );
        }
        assert_eq!(
            c.check(1, "000000", |_| false),
            Err(OtpError::TooManyAttempts)
        );
        assert_eq!(
            c.check(1, "123456", |_| false),
            Err(OtpError::TooManyAttempts)
        );
    }

    #[test]
    fn expiry_wins() {
        let mut c = Challenge::delivered("123456".into(), 0, 300);
        assert_eq!(c.check(300, "123456", |_| true), Err(OtpError::Expired));
        let mut c = Challenge::delivered("123456".into(), 0, 300);
        assert_eq!(c.check(299, "123456", |_| false), Ok(()));
    }
}
