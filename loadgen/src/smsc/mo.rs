//! Mobile-originated deliver_sm at a fixed total rate, shared by every receiving session.

use bytes::Bytes;
use engine::proto::text::{self, Encoding};
use engine::proto::{Address, DeliverSm, ShortMessage};
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::mix::Rng;
use super::{MoConfig, Shared};

const GSM_TEXT: &str = "Hello from the SMSC simulator: an MO message in GSM 03.38";
const UCS2_TEXT: &str = "Привет от симулятора SMSC: сообщение MO";

/// One session's MO generator.
#[derive(Debug)]
pub(crate) struct MoSource {
    rate: u64,
    ucs2_percent: u32,
    gsm: (ShortMessage, u8),
    ucs2: (ShortMessage, u8),
    sources: Vec<Address>,
    destinations: Vec<Address>,
    turn: usize,
}

fn body(text: &str, encoding: Encoding) -> (ShortMessage, u8) {
    match text::encode(text, encoding) {
        Ok(encoded) => {
            let coding = encoded.data_coding();
            (ShortMessage::new(encoded.bytes).unwrap_or_default(), coding)
        }
        Err(_) => (ShortMessage::new(Bytes::new()).unwrap_or_default(), 0),
    }
}

fn addresses(list: &[String]) -> Vec<Address> {
    let mut out: Vec<Address> = list.iter().filter_map(|a| Address::new(a).ok()).collect();
    if out.is_empty() {
        out.push(Address::empty());
    }
    out
}

impl MoSource {
    /// A generator for `config`, starting its rotation at `offset`.
    pub(crate) fn new(config: &MoConfig, offset: usize) -> MoSource {
        MoSource {
            rate: config.rate,
            ucs2_percent: config.ucs2_percent,
            gsm: body(GSM_TEXT, Encoding::Gsm7),
            ucs2: body(UCS2_TEXT, Encoding::Ucs2),
            sources: addresses(&config.sources),
            destinations: addresses(&config.destinations),
            turn: offset,
        }
    }

    /// Claims up to `room` MO sends due by `now` from the shared budget (a backlog of more
    /// than a second is forgiven, so an hour without receivers does not end in a burst).
    pub(crate) fn claim(&self, shared: &Shared, now: Instant, room: usize) -> u64 {
        if self.rate == 0 || room == 0 {
            return 0;
        }
        let elapsed = now.saturating_duration_since(shared.started).as_secs_f64();
        // The float product is exact enough far beyond any run length.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let target = (elapsed * self.rate as f64) as u64;
        let room = u64::try_from(room).unwrap_or(u64::MAX);
        loop {
            let claimed = shared.mo_claimed.load(Ordering::Relaxed);
            let floor = target.saturating_sub(self.rate).max(claimed);
            let take = target.saturating_sub(floor).min(room);
            if take == 0 && floor == claimed {
                return 0;
            }
            if shared
                .mo_claimed
                .compare_exchange(claimed, floor + take, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return take;
            }
        }
    }

    /// When the next MO of this rate falls due, for the read timeout.
    pub(crate) fn interval(&self) -> Option<std::time::Duration> {
        (self.rate > 0).then(|| std::time::Duration::from_secs_f64(1.0 / self.rate as f64))
    }

    /// The next MO deliver_sm.
    pub(crate) fn next(&mut self, rng: &mut Rng) -> DeliverSm {
        self.turn = self.turn.wrapping_add(1);
        let (short_message, data_coding) = if rng.below(100) < self.ucs2_percent {
            self.ucs2.clone()
        } else {
            self.gsm.clone()
        };
        let pick = |list: &[Address], turn: usize| {
            list.get(turn % list.len().max(1))
                .cloned()
                .unwrap_or_default()
        };
        DeliverSm {
            source_addr: pick(&self.sources, self.turn),
            destination_addr: pick(&self.destinations, self.turn),
            data_coding,
            short_message,
            ..DeliverSm::default()
        }
    }
}
