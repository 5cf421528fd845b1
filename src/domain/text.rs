//! Unicode text handling shared by the rules: comparison keys and normalisation.

use unicode_normalization::UnicodeNormalization;

/// The key two strings compare equal by when they differ only in case or Unicode
/// compatibility form: NFKC, full case folding, NFKC again (so `Straße`, `STRASSE` and
/// `strasse` share one key).
pub fn fold_key(s: &str) -> String {
    let nfkc: String = s.nfkc().collect();
    caseless::default_case_fold_str(&nfkc).nfkc().collect()
}

/// NFC form, the form text is stored in.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_sharp_s_folds_to_ss() {
        assert_eq!(fold_key("Scheiße"), fold_key("SCHEISSE"));
        assert_eq!(fold_key("Scheiße"), "scheisse");
    }

    #[test]
    fn compatibility_forms_fold_together() {
        // Fullwidth letters and the "ﬁ" ligature.
        assert_eq!(fold_key("ＡＢＣ"), "abc");
        assert_eq!(fold_key("ﬁne"), "fine");
    }

    #[test]
    fn decomposed_and_precomposed_vietnamese_fold_together() {
        let precomposed = "Nguyễn";
        let decomposed: String = precomposed.nfd().collect();
        assert_ne!(precomposed, decomposed);
        assert_eq!(fold_key(precomposed), fold_key(&decomposed));
    }
}
