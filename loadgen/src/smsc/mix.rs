//! Weighted choices given on the command line as `name=weight,name=weight`, and the small
//! generator that picks them.

/// A weighted set of choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix<T> {
    entries: Vec<(T, u32)>,
    total: u32,
}

impl<T: Copy> Mix<T> {
    /// Parses `name=weight,...` with `lookup` naming each choice; the error names the bad part.
    pub fn parse(
        spec: &str,
        what: &str,
        lookup: impl Fn(&str) -> Option<T>,
    ) -> Result<Mix<T>, String> {
        let mut entries = Vec::new();
        let mut total: u32 = 0;
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("{what}: {part:?} is not name=weight"))?;
            let choice = lookup(name.trim())
                .ok_or_else(|| format!("{what}: unknown name {:?}", name.trim()))?;
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| format!("{what}: weight {:?} is not a number", weight.trim()))?;
            total = total
                .checked_add(weight)
                .ok_or_else(|| format!("{what}: weights too large"))?;
            entries.push((choice, weight));
        }
        if total == 0 {
            return Err(format!("{what}: the weights add up to 0"));
        }
        Ok(Mix { entries, total })
    }

    /// A mix holding one choice.
    pub fn single(choice: T) -> Mix<T> {
        Mix {
            entries: vec![(choice, 1)],
            total: 1,
        }
    }

    /// Picks a choice in proportion to the weights.
    pub(crate) fn pick(&self, rng: &mut Rng) -> Option<T> {
        let mut roll = rng.below(self.total);
        for &(choice, weight) in &self.entries {
            if roll < weight {
                return Some(choice);
            }
            roll -= weight;
        }
        self.entries.last().map(|&(choice, _)| choice)
    }

    /// The choices with their weights, as given.
    pub fn entries(&self) -> &[(T, u32)] {
        &self.entries
    }
}

/// A small xorshift generator: enough to pick receipt states and text kinds evenly.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced, xorshift needs a non-zero state).
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub(crate) fn below(&mut self, bound: u32) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        u32::try_from((x >> 32) % u64::from(bound.max(1))).unwrap_or(0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<u8> {
        match name {
            "a" => Some(1),
            "b" => Some(2),
            _ => None,
        }
    }

    #[test]
    fn parses_and_picks_in_proportion() {
        let mix = Mix::parse("a=3, b=1", "--mix", lookup).unwrap();
        let mut rng = Rng::new(42);
        let picks: Vec<u8> = (0..4000).filter_map(|_| mix.pick(&mut rng)).collect();
        let a = picks.iter().filter(|&&c| c == 1).count();
        assert!((2700..3300).contains(&a), "a picked {a} of 4000");
        assert!(Mix::parse("c=1", "--mix", lookup)
            .unwrap_err()
            .contains("\"c\""));
        assert!(Mix::parse("a=x", "--mix", lookup)
            .unwrap_err()
            .contains("weight"));
        assert!(Mix::parse("a=0", "--mix", lookup)
            .unwrap_err()
            .contains("0"));
        assert!(Mix::parse("a", "--mix", lookup)
            .unwrap_err()
            .contains("name=weight"));
    }
}
