//! Pure types and rules: no actix, no diesel.

pub mod appeal;
pub mod article;
pub mod chat;
pub mod comment;
pub mod dashboard;
pub mod event;
pub mod hook;
pub mod invalid;
pub mod log;
pub mod markdown;
pub mod moderation;
pub mod notes;
pub mod retry;
pub mod settings;
pub mod standing;
pub mod text;
pub mod thread;
pub mod undo;
pub mod user;
pub mod verdict;
pub mod webhook;

/// Declares an enum stored as `Text` (the migrations `CHECK` the same words) and sent in
/// the same lowercase form: `as_str`, `parse`, `ALL`, serde, the OpenAPI schema, and the
/// conversion diesel uses to read it (`#[diesel(deserialize_as = String)]`).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $(#[doc = $text] $variant),+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored and wire form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// Parses the stored or wire form.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// Parses a request field: an unknown word says which are allowed.
            pub fn parse_field(s: &str) -> Result<Self, String> {
                Self::parse(s).ok_or_else(|| format!("must be {}", Self::choices()))
            }

            /// The allowed words, for error messages: `a, b or c`.
            pub fn choices() -> String {
                let words: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                match words.split_last() {
                    Some((last, [])) => (*last).to_owned(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s).ok_or_else(|| format!("unknown {} {s:?}", stringify!($name)))
            }
        }
    };
}
pub(crate) use text_enum;
