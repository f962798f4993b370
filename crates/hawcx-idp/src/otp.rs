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
/// challenge; after `Wrong` it may be tried again; `Throttled` refused the attempt
/// without looking at it (the account, or the whole emulator, has seen too many wrong
/// codes lately) and leaves the challenge as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OtpError {
    Expired,
    TooManyAttempts,
    Wrong { tries_left: u8 },
    Throttled { retry_after: u64 },
}

impl OtpError {
    /// A stable machine-readable code for JSON replies.
    pub(crate) fn code(self) -> &'static str {
        match self {
            OtpError::Expired => "otp_expired",
            OtpError::TooManyAttempts => "too_many_attempts",
            OtpError::Wrong { .. } => "invalid_otp",
            OtpError::Throttled { .. } => "slow_down",
        }
    }

    /// The HTTP status of the refusal: 429 when throttled, else 400.
    pub(crate) fn status(self) -> axum::http::StatusCode {
        match self {
            OtpError::Throttled { .. } => axum::http::StatusCode::TOO_MANY_REQUESTS,
            _ => axum::http::StatusCode::BAD_REQUEST,
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
            OtpError::Throttled { retry_after } => {
                format!("too many wrong codes for this account; try again in {retry_after} seconds")
            }
        }
    }

    /// Whether the challenge is finished and must be dropped.
    pub(crate) fn is_final(self) -> bool {
        !matches!(self, OtpError::Wrong { .. } | OtpError::Throttled { .. })
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

/// Wrong codes one account may send within [`THROTTLE_WINDOW_SECS`], across all of its
/// logins, second factors, step-ups and enrolments: starting a new login does not reset it.
pub(crate) const ACCOUNT_FAILURE_LIMIT: usize = 10;
/// The sliding window of the per-account count (15 minutes).
pub(crate) const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// Wrong codes the whole emulator accepts per [`GLOBAL_WINDOW_SECS`], against an attacker
/// spreading guesses over many accounts.
pub(crate) const GLOBAL_FAILURE_LIMIT: usize = 300;
/// The sliding window of the global count.
pub(crate) const GLOBAL_WINDOW_SECS: i64 = 60;
/// Accounts tracked at once; beyond it, accounts with no recent failure are forgotten
/// first (memory stays bounded under a flood of addresses).
const MAX_TRACKED: usize = 100_000;

/// Counts wrong one-time codes per account and overall, so that guessing is capped at
/// [`ACCOUNT_FAILURE_LIMIT`] per 15 minutes per account, whatever the number of logins an
/// attacker starts. Every OTP check goes through [`Throttle::check`].
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    accounts: std::collections::HashMap<String, std::collections::VecDeque<i64>>,
    global: std::collections::VecDeque<i64>,
}

impl Throttle {
    /// Checks `attempt` against `challenge` for `account` (an email address or user id),
    /// unless the account or the emulator is over its limit; counts a wrong code.
    pub(crate) fn check(
        &mut self,
        account: &str,
        challenge: &mut Challenge,
        now: i64,
        attempt: &str,
        totp_ok: impl FnOnce(&str) -> bool,
    ) -> Result<(), OtpError> {
        if let Some(retry_after) = self.locked(account, now) {
            return Err(OtpError::Throttled { retry_after });
        }
        let result = challenge.check(now, attempt, totp_ok);
        if matches!(
            result,
            Err(OtpError::Wrong { .. } | OtpError::TooManyAttempts)
        ) {
            self.record_failure(account, now);
        }
        result
    }

    /// Seconds until the next attempt is allowed, when one is not allowed now.
    fn locked(&mut self, account: &str, now: i64) -> Option<u64> {
        prune(&mut self.global, now - GLOBAL_WINDOW_SECS);
        if self.global.len() >= GLOBAL_FAILURE_LIMIT {
            return Some(wait(&self.global, now, GLOBAL_WINDOW_SECS));
        }
        let failures = self.accounts.get_mut(account)?;
        prune(failures, now - THROTTLE_WINDOW_SECS);
        (failures.len() >= ACCOUNT_FAILURE_LIMIT).then(|| wait(failures, now, THROTTLE_WINDOW_SECS))
    }

    fn record_failure(&mut self, account: &str, now: i64) {
        if self.accounts.len() >= MAX_TRACKED && !self.accounts.contains_key(account) {
            self.accounts
                .retain(|_, f| f.back().is_some_and(|t| *t > now - THROTTLE_WINDOW_SECS));
            if self.accounts.len() >= MAX_TRACKED {
                // Still full of live counts: refuse to forget anyone; count globally only.
                self.global.push_back(now);
                return;
            }
        }
        let failures = self.accounts.entry(account.to_owned()).or_default();
        failures.push_back(now);
        while failures.len() > ACCOUNT_FAILURE_LIMIT {
            failures.pop_front();
        }
        self.global.push_back(now);
        while self.global.len() > GLOBAL_FAILURE_LIMIT {
            self.global.pop_front();
        }
    }
}

fn prune(times: &mut std::collections::VecDeque<i64>, older_than: i64) {
    while times.front().is_some_and(|t| *t <= older_than) {
        times.pop_front();
    }
}

/// Until the oldest counted failure leaves the window.
fn wait(times: &std::collections::VecDeque<i64>, now: i64, window: i64) -> u64 {
    let oldest = times.front().copied().unwrap_or(now);
    u64::try_from(oldest.saturating_add(window).saturating_sub(now))
        .unwrap_or(0)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_limit_spans_challenges_and_slides() {
        let mut t = Throttle::default();
        // Two fresh challenges per round, as an attacker starting new logins would get.
        let mut guesses = 0;
        for round in 0..10 {
            let mut c = Challenge::delivered("123456".into(), 0, 300);
            for _ in 0..5 {
                match t.check("a@example.com", &mut c, round, "000000", |_| false) {
                    Err(OtpError::Throttled { .. }) => {}
                    _ => guesses += 1,
                }
            }
        }
        assert_eq!(guesses, ACCOUNT_FAILURE_LIMIT);
        // Even the right code is refused while locked, without being looked at.
        let mut c = Challenge::delivered("123456".into(), 0, 300);
        assert!(matches!(
            t.check("a@example.com", &mut c, 20, "123456", |_| false),
            Err(OtpError::Throttled { retry_after }) if retry_after > 800
        ));
        assert_eq!(
            c.tries_left, MAX_TRIES,
            "a throttled attempt costs the challenge nothing"
        );
        // Another account is unaffected; the window slides.
        assert!(
            t.check("b@example.com", &mut c, 20, "123456", |_| false)
                .is_ok()
        );
        let mut c = Challenge::delivered("123456".into(), 0, 10_000);
        assert!(
            t.check(
                "a@example.com",
                &mut c,
                THROTTLE_WINDOW_SECS + 10,
                "123456",
                |_| false
            )
            .is_ok()
        );
    }

    #[test]
    fn global_limit_caps_guesses_spread_over_accounts() {
        let mut t = Throttle::default();
        let mut counted = 0;
        for i in 0..(GLOBAL_FAILURE_LIMIT + 50) {
            let mut c = Challenge::delivered("123456".into(), 0, 300);
            if t.check(&format!("u{i}@example.com"), &mut c, 5, "000000", |_| false)
                != Err(OtpError::Throttled {
                    retry_after: (GLOBAL_WINDOW_SECS) as u64,
                })
            {
                counted += 1;
            }
        }
        assert_eq!(counted, GLOBAL_FAILURE_LIMIT);
        let mut c = Challenge::delivered("123456".into(), 0, 300);
        assert!(
            t.check(
                "fresh@example.com",
                &mut c,
                5 + GLOBAL_WINDOW_SECS,
                "123456",
                |_| false
            )
            .is_ok()
        );
    }

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
