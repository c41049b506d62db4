//! Scripted faults: the next matching requests fail in a chosen way, so users can test their
//! retry and timeout handling (and ours) against a real server.

use std::time::Duration;

/// What a faulty answer does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Answer with this status, Exa's error shape (or `body`) and extra headers.
    Respond {
        status: u16,
        body: Option<String>,
        headers: Vec<(String, String)>,
    },
    /// Close the connection without an answer.
    Reset,
    /// Send the headers and half the body, then close the connection.
    Truncate,
    /// Never answer (until the client gives up or the server stops).
    Hang,
    /// Answer normally, only late (`delay`).
    Normal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub action: Action,
    /// Waited before the action.
    pub delay: Duration,
    /// Handle the request first (a webhook really gets created), then misbehave.
    pub after_processing: bool,
    /// How many matching requests it applies to.
    pub times: u32,
    pub method: Option<String>,
    /// Exact path (repeated slashes collapsed), e.g. `/websets/v0/webhooks`.
    pub path: Option<String>,
}

impl Fault {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path
                .as_deref()
                .is_none_or(|p| p.trim_end_matches('/') == path.trim_end_matches('/'))
    }
}

/// Faults in the order they were added; the first that matches a request is used up.
#[derive(Debug, Default)]
pub struct Faults {
    pending: Vec<Fault>,
}

impl Faults {
    pub fn add(&mut self, fault: Fault) {
        if fault.times > 0 {
            self.pending.push(fault);
        }
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }

    pub fn pending(&self) -> u32 {
        self.pending.iter().map(|f| f.times).sum()
    }

    pub fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self.pending.iter().position(|f| f.matches(method, path))?;
        let fault = self.pending.get_mut(index)?;
        fault.times -= 1;
        let taken = fault.clone();
        if fault.times == 0 {
            self.pending.remove(index);
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(times: u32, method: Option<&str>, path: Option<&str>) -> Fault {
        Fault {
            action: Action::Reset,
            delay: Duration::ZERO,
            after_processing: false,
            times,
            method: method.map(str::to_owned),
            path: path.map(str::to_owned),
        }
    }

    #[test]
    fn faults_match_in_order_and_run_out() {
        let mut faults = Faults::default();
        faults.add(fault(2, Some("POST"), None));
        faults.add(fault(1, None, Some("/websets/v0/webhooks/x")));
        assert_eq!(faults.pending(), 3);
        assert!(faults.take("GET", "/websets/v0/webhooks").is_none());
        assert!(faults.take("post", "/a").is_some());
        assert!(faults.take("GET", "/websets/v0/webhooks/x/").is_some());
        assert!(faults.take("POST", "/a").is_some());
        assert!(faults.take("POST", "/a").is_none());
        assert_eq!(faults.pending(), 0);
        faults.add(fault(0, None, None));
        assert_eq!(faults.pending(), 0);
    }
}
