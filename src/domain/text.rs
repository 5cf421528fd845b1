//! Unicode text handling shared by the rules: comparison keys and normalisation.

use unicode_normalization::UnicodeNormalization;

/// The key two strings compare equal by when they differ only in case, Unicode
/// compatibility form or invisible characters: default-ignorable code points removed,
/// then NFKC, full case folding, NFKC again (so `Straße`, `STRASSE`, `strasse` and
/// `stra\u{200b}sse` share one key).
pub fn fold_key(s: &str) -> String {
    let nfkc: String = s
        .chars()
        .filter(|&c| !is_default_ignorable(c))
        .nfkc()
        .collect();
    caseless::default_case_fold_str(&nfkc).nfkc().collect()
}

/// The key two strings compare equal by when they also merely look alike: the UTS #39
/// confusable skeleton of the folded form (so Cyrillic `аdmin` and Latin `admin`, or
/// `ѕchеisse` and `scheisse`, share one key). The skeleton is in NFD.
pub fn skeleton_key(s: &str) -> String {
    unicode_security::skeleton(&fold_key(s)).collect()
}

/// Whether `c` is a Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties):
/// characters that render as nothing, such as zero-width spaces and joiners, the soft
/// hyphen, bidi controls, variation selectors, Hangul fillers and tag characters.
pub fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fff8}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Whether `c` is a bidirectional formatting character that opens or closes an
/// embedding, override or isolate (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI): the
/// ones that can reorder the text around them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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
    fn invisible_characters_do_not_change_the_key() {
        for hidden in [
            "sch\u{200b}eisse",
            "sch\u{ad}eisse",
            "sch\u{2060}eisse",
            "\u{feff}scheisse",
            "sche\u{fe0f}isse",
            "sch\u{202e}eisse",
            "sch\u{e0041}eisse",
        ] {
            assert_eq!(fold_key(hidden), "scheisse", "{hidden:?}");
        }
    }

    #[test]
    fn look_alikes_share_a_skeleton() {
        // Cyrillic а, ѕ and е.
        assert_eq!(skeleton_key("\u{430}dmin"), skeleton_key("admin"));
        assert_eq!(
            skeleton_key("\u{455}ch\u{435}isse"),
            skeleton_key("Scheiße")
        );
        assert_ne!(skeleton_key("admin"), skeleton_key("admim"));
        assert_ne!(skeleton_key("đồ"), skeleton_key("do"));
    }

    #[test]
    fn bidi_controls_are_default_ignorable() {
        for c in ['\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}'] {
            assert!(is_bidi_control(c) && is_default_ignorable(c));
        }
        assert!(!is_bidi_control('\u{200f}'));
        assert!(!is_default_ignorable('a') && !is_default_ignorable('ß'));
    }

    #[test]
    fn decomposed_and_precomposed_vietnamese_fold_together() {
        let precomposed = "Nguyễn";
        let decomposed: String = precomposed.nfd().collect();
        assert_ne!(precomposed, decomposed);
        assert_eq!(fold_key(precomposed), fold_key(&decomposed));
    }
}
