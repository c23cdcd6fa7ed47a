//! `GET /`: who is signed in, with a way out.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use crate::server::AppState;
use crate::web::session::SignedIn;
use crate::web::{csrf, html};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    site_name: &'a str,
    name: &'a str,
    email: &'a str,
    csrf_token: &'a str,
}

pub async fn show(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn(user): SignedIn,
) -> Response {
    let Some(user) = user else {
        return Redirect::to("/auth/login/").into_response();
    };

    let (jar, csrf_token) = csrf::ensure(jar, state.settings.secure_cookies);
    let page = HomePage {
        site_name: &state.settings.site_name,
        name: &user.name,
        email: &user.email,
        csrf_token: &csrf_token,
    };
    (jar, html::page(StatusCode::OK, &page)).into_response()
}
