//! The session's timers as plain data: one slot per kind, asked for the next deadline.
//!
//! Per-request response deadlines are not here: they live in the in-flight window, whose FIFO
//! order is already deadline order because every request shares one timeout.

use std::time::Instant;

/// The kinds of timer a session runs, at most one of each at a time.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub(crate) enum Timer {
    /// SMSC role: the peer must bind within this time of connecting. ESME role: the bind_resp
    /// must arrive within this time of sending the bind.
    Bind = 0,
    /// When the link has been idle (nothing received) for one enquire_link interval.
    KeepAlive = 1,
    /// When our outstanding enquire_link must have been answered (or other traffic seen).
    EnquireLinkResponse = 2,
    /// How long we wait for unbind_resp after sending unbind before closing anyway.
    Unbind = 3,
}

const TIMER_COUNT: usize = 4;

/// A deadline, or none, for each [`Timer`] kind.
#[derive(Debug, Copy, Clone, Default)]
pub(crate) struct TimerTable {
    deadlines: [Option<Instant>; TIMER_COUNT],
}

impl TimerTable {
    /// Arms (or re-arms) `timer` to fire at `at`.
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer as usize] = Some(at);
    }

    /// Disarms `timer`.
    pub(crate) fn stop(&mut self, timer: Timer) {
        self.deadlines[timer as usize] = None;
    }

    /// Disarms every timer.
    pub(crate) fn stop_all(&mut self) {
        self.deadlines = [None; TIMER_COUNT];
    }

    /// The deadline of `timer`, if armed.
    #[cfg(test)]
    pub(crate) fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer as usize]
    }

    /// The earliest armed deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// If `timer` is armed and due at `now`, disarms it and returns true.
    pub(crate) fn take_expired(&mut self, timer: Timer, now: Instant) -> bool {
        let slot = &mut self.deadlines[timer as usize];
        match *slot {
            Some(at) if at <= now => {
                *slot = None;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn next_deadline_is_the_earliest_armed_timer() {
        let t0 = Instant::now();
        let mut table = TimerTable::default();
        assert_eq!(table.next_deadline(), None);
        table.set(Timer::KeepAlive, t0 + Duration::from_secs(60));
        table.set(Timer::Bind, t0 + Duration::from_secs(5));
        assert_eq!(table.next_deadline(), Some(t0 + Duration::from_secs(5)));
        table.stop(Timer::Bind);
        assert_eq!(table.next_deadline(), Some(t0 + Duration::from_secs(60)));
        table.stop_all();
        assert_eq!(table.next_deadline(), None);
    }

    #[test]
    fn take_expired_fires_once_and_only_when_due() {
        let t0 = Instant::now();
        let mut table = TimerTable::default();
        table.set(Timer::Unbind, t0 + Duration::from_secs(2));
        assert!(!table.take_expired(Timer::Unbind, t0 + Duration::from_secs(1)));
        assert!(!table.take_expired(Timer::Bind, t0 + Duration::from_secs(3)));
        assert!(table.take_expired(Timer::Unbind, t0 + Duration::from_secs(2)));
        assert!(!table.take_expired(Timer::Unbind, t0 + Duration::from_secs(3)));
        assert_eq!(table.get(Timer::Unbind), None);
    }
}
