//! placeholder
/// placeholder
pub fn run(_args: &[String]) -> Result<u8, String> {
    Ok(0)
}
