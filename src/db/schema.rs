//! The one schema both backends share, written by hand with portable SQL types only.

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        username_key -> Nullable<Text>,
        email -> Nullable<Text>,
        email_key -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        sso_subject -> Nullable<Text>,
        role -> Text,
        status -> Text,
        banned_until -> Nullable<Timestamp>,
        ban_reason -> Nullable<Text>,
        approved_count -> BigInt,
        rejected_count -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        session_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    app_meta (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(users, sessions, refresh_tokens, app_meta);
