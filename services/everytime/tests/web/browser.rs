//! A real browser against the stack: headless Chromium driven over
//! WebDriver by `fantoccini`, through one chromedriver per test binary.
//!
//! chromedriver starts on first use, on a free port, inside a small shell
//! that holds a pipe from this process: when the test binary exits (or
//! dies), the pipe closes and the shell ends chromedriver and every browser
//! it started. Each `Browser` is its own browser session with its own
//! cookie jar.

#![allow(dead_code)]

use std::io::Read as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::support::{self, TestStack};

/// How long every `wait*` waits before it fails the test.
const PATIENCE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);
pub const PHONE: (u32, u32) = (375, 812);
pub const DESKTOP: (u32, u32) = (1280, 900);

const CHROMEDRIVERS: [&str; 2] = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];
// The real binary first: Debian's /usr/bin/chromium is a wrapper script.
const CHROMIUMS: [&str; 3] = [
    "/usr/lib/chromium/chromium",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
];

struct Driver {
    url: String,
    chromium: String,
    // Held for the life of the process: closing it ends chromedriver.
    _lifeline: Mutex<ChildStdin>,
    _shell: Mutex<Child>,
}

static DRIVER: OnceLock<Option<Driver>> = OnceLock::new();

fn first_existing(candidates: &[&str], env: &str) -> Option<String> {
    if let Ok(path) = std::env::var(env)
        && Path::new(&path).exists()
    {
        return Some(path);
    }
    candidates
        .iter()
        .find(|path| Path::new(path).exists())
        .map(|path| (*path).to_owned())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

fn start_driver() -> Option<Driver> {
    let (Some(chromedriver), Some(chromium)) = (
        first_existing(&CHROMEDRIVERS, "CHROMEDRIVER"),
        first_existing(&CHROMIUMS, "CHROMIUM"),
    ) else {
        let message = "install chromium chromium-driver fonts-noto-cjk (apt-get install chromium chromium-driver fonts-noto-cjk)";
        if std::env::var_os("CI").is_some() {
            panic!("the web tests need Chromium and chromedriver: {message}");
        }
        eprintln!(
            "\n========================================================\nSKIPPED: {message}\n========================================================\n"
        );
        return None;
    };
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web");
    std::fs::create_dir_all(&log).expect("the web folder");
    let log = log.join(format!("chromedriver-{}.log", std::process::id()));
    let port = free_port();
    // `read` returns when this process's end of the pipe closes; then
    // chromedriver goes, its log if it is empty, and the rest of the process
    // group (the browsers).
    let mut shell = Command::new("sh")
        .arg("-c")
        .arg(r#""$1" --port="$2" --log-level=WARNING --log-path="$3" </dev/null >/dev/null 2>&1 & read _; kill -TERM $! 2>/dev/null; wait $!; [ -s "$3" ] || rm -f "$3"; kill -TERM -$$ 2>/dev/null"#)
        .arg("sh")
        .arg(&chromedriver)
        .arg(port.to_string())
        .arg(&log)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("chromedriver starts");
    let lifeline = shell.stdin.take().expect("the pipe");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if let Ok(Some(status)) = shell.try_wait() {
            let mut text = String::new();
            let _ = std::fs::File::open(&log).and_then(|mut file| file.read_to_string(&mut text));
            panic!("chromedriver exited ({status}): {text}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen on {port}"
        );
        std::thread::sleep(POLL);
    }
    Some(Driver {
        url: format!("http://127.0.0.1:{port}"),
        chromium,
        _lifeline: Mutex::new(lifeline),
        _shell: Mutex::new(shell),
    })
}

fn driver() -> Option<&'static Driver> {
    DRIVER.get_or_init(start_driver).as_ref()
}

/// chromedriver's log endpoint (not in the W3C protocol, but chromedriver keeps it).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

pub struct Browser {
    client: Client,
    base: String,
    folder: PathBuf,
    test: String,
}

impl Browser {
    /// New browser session against the stack's gateway (own cookie jar).
    /// `test` names the screenshot folder:
    /// `$CARGO_TARGET_TMPDIR/web/<test>/` (created, emptied).
    pub async fn open(stack: &TestStack, test: &str) -> Option<Browser> {
        let driver = tokio::task::spawn_blocking(driver)
            .await
            .expect("the driver starts")?;
        let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("web")
            .join(test);
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).expect("the screenshot folder");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": driver.chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--lang=ko-KR",
                    format!("--window-size={},{}", PHONE.0, PHONE.1),
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-extensions",
                    "--disable-background-networking",
                    "--disable-sync",
                    // No crash handler: it would outlive the browser.
                    "--disable-breakpad",
                    "--disable-search-engine-choice-screen",
                    "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                ],
                "prefs": {"intl.accept_languages": "ko-KR,ko"},
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_nodelay(true);
        let mut client = None;
        // A loaded machine can make the first session slow; try a few times.
        for attempt in 0..3 {
            match ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&driver.url)
                .await
            {
                Ok(made) => {
                    client = Some(made);
                    break;
                }
                Err(error) if attempt < 2 => {
                    eprintln!("a browser session failed to start ({error}); trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(error) => panic!("a browser session: {error}"),
            }
        }
        let browser = Browser {
            client: client.expect("a session"),
            base: stack.base.trim_end_matches('/').to_owned(),
            folder,
            test: test.to_owned(),
        };
        browser.viewport(PHONE).await;
        Some(browser)
    }

    /// The underlying WebDriver client, for anything this API lacks.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The gateway's base URL (`http://127.0.0.1:port`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Opens `base + path` (a full page load) and waits for the screen.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|error| panic!("goto {url}: {error}"));
        self.wait_drawn().await;
    }

    /// Reloads the page (a full load of the current URL) and waits for the screen.
    pub async fn reload(&self) {
        self.client.refresh().await.expect("a reload");
        self.wait_drawn().await;
    }

    /// Until `#app` has `data-path` and no `data-loading`.
    pub async fn wait_drawn(&self) {
        let script = "const app = document.getElementById('app'); \
                      return !!app && app.dataset.path !== undefined && app.dataset.loading === undefined;";
        self.wait_until("the screen to be drawn", script).await;
    }

    /// `location.pathname + location.search`.
    pub async fn path(&self) -> String {
        self.exec("return location.pathname + location.search;", vec![])
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Until `path()` is `path` and its screen is drawn.
    pub async fn wait_path(&self, path: &str) {
        let started = Instant::now();
        loop {
            let now = self.path().await;
            if now == path {
                break;
            }
            if started.elapsed() > PATIENCE {
                panic!(
                    "[{}] waited for the path {path}, still at {now}; the page says:\n{}",
                    self.test,
                    self.page_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
        self.wait_drawn().await;
    }

    /// Clears the control at `css` and types `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.wait_displayed(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|error| panic!("clear {css}: {error}"));
        if !text.is_empty() {
            element
                .send_keys(text)
                .await
                .unwrap_or_else(|error| panic!("type into {css}: {error}"));
        }
    }

    /// Chooses the option with this `value` in the `<select>` at `css`.
    pub async fn select(&self, css: &str, value: &str) {
        let element = self.wait_displayed(css).await;
        let started = Instant::now();
        // The options may still be loading.
        while let Err(error) = element.select_by_value(value).await {
            if started.elapsed() > PATIENCE {
                panic!("[{}] select {value:?} in {css}: {error}", self.test);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks the first element at `css`, once it is there and displayed.
    pub async fn click(&self, css: &str) {
        let started = Instant::now();
        loop {
            let error = match self.client.find(Locator::Css(css)).await {
                Ok(element) => match self.click_element(&element).await {
                    Ok(()) => return,
                    Err(error) => error.to_string(),
                },
                Err(error) => error.to_string(),
            };
            if started.elapsed() > PATIENCE {
                panic!(
                    "[{}] could not click {css}: {error}; the page says:\n{}",
                    self.test,
                    self.page_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks the first element at `css` whose text contains `text`.
    pub async fn click_text(&self, css: &str, text: &str) {
        let started = Instant::now();
        loop {
            let mut error = format!("no {css} says {text:?}");
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                for element in elements {
                    if element.text().await.is_ok_and(|said| said.contains(text)) {
                        match self.click_element(&element).await {
                            Ok(()) => return,
                            Err(failed) => error = failed.to_string(),
                        }
                        break;
                    }
                }
            }
            if started.elapsed() > PATIENCE {
                panic!(
                    "[{}] could not click {css} saying {text:?}: {error}; the page says:\n{}",
                    self.test,
                    self.page_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Scrolls `element` to the middle of the viewport (clear of the sticky
    /// top bar and the fixed tab bar), then clicks it.
    async fn click_element(&self, element: &Element) -> Result<(), fantoccini::error::CmdError> {
        let reference = serde_json::to_value(element).expect("an element reference");
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center', inline: 'nearest' });",
                vec![reference],
            )
            .await?;
        element.click().await
    }

    /// The first element at `css`, once there is one.
    pub async fn wait(&self, css: &str) -> Element {
        let started = Instant::now();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                return element;
            }
            if started.elapsed() > PATIENCE {
                panic!(
                    "[{}] waited for {css}; the page says:\n{}",
                    self.test,
                    self.page_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn wait_displayed(&self, css: &str) -> Element {
        let started = Instant::now();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && element.is_displayed().await.unwrap_or(false)
            {
                return element;
            }
            if started.elapsed() > PATIENCE {
                panic!(
                    "[{}] waited for {css} to be displayed; the page says:\n{}",
                    self.test,
                    self.page_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Until some element at `css` has a text containing `text`.
    pub async fn wait_text(&self, css: &str, text: &str) {
        let started = Instant::now();
        loop {
            if self.texts(css).await.iter().any(|said| said.contains(text)) {
                return;
            }
            if started.elapsed() > PATIENCE {
                panic!(
                    "[{}] waited for {css} to say {text:?}; it says {:?}; the page says:\n{}",
                    self.test,
                    self.texts(css).await,
                    self.page_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        let started = Instant::now();
        while self.count(css).await > 0 {
            if started.elapsed() > PATIENCE {
                panic!(
                    "[{}] waited for {css} to go; the page says:\n{}",
                    self.test,
                    self.page_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The text of the first element at `css` (waits for it).
    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.unwrap_or_default()
    }

    /// The texts of every element at `css` now (rendered text, as a user sees it).
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let found = self
            .exec(
                "return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText ?? e.textContent ?? '');",
                vec![json!(css)],
            )
            .await;
        found
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|text| text.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.exec(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![json!(css)],
        )
        .await
        .as_u64()
        .unwrap_or_default() as usize
    }

    /// Runs `js` (a function body; `arguments[i]` are `args`) and returns its result.
    pub async fn exec(&self, js: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(js, args)
            .await
            .unwrap_or_else(|error| panic!("[{}] script {js}: {error}", self.test))
    }

    /// Deletes a cookie of the current site (HttpOnly ones too).
    pub async fn delete_cookie(&self, name: &str) {
        self.client
            .delete_cookie(name)
            .await
            .unwrap_or_else(|error| panic!("delete cookie {name}: {error}"));
    }

    /// The names of the current site's cookies.
    pub async fn cookie_names(&self) -> Vec<String> {
        self.client
            .get_all_cookies()
            .await
            .expect("the cookies")
            .iter()
            .map(|cookie| cookie.name().to_owned())
            .collect()
    }

    /// Signs `username` up through the API (school 1, `support::PASSWORD`)
    /// and in through the 로그인 screen.
    pub async fn sign_up_and_in(&self, stack: &TestStack, username: &str) {
        let created = stack
            .post(
                "/api/v1/auth/sign-up",
                None,
                support::sign_up_body(username, 1),
            )
            .await;
        assert_eq!(
            created.status.as_u16(),
            201,
            "sign-up of {username}: {}",
            created.text
        );
        self.sign_in(username, support::PASSWORD).await;
    }

    /// Signs in through the 로그인 screen and waits for the home screen.
    pub async fn sign_in(&self, username: &str, password: &str) {
        self.goto("/login").await;
        self.fill("form.sign-in input[name=username]", username)
            .await;
        self.fill("form.sign-in input[name=password]", password)
            .await;
        self.click("form.sign-in button[type=submit]").await;
        self.wait_path("/").await;
    }

    /// The page's visible text (for failure messages).
    pub async fn page_text(&self) -> String {
        self.client
            .execute(
                "return location.href + '\\n' + (document.body ? document.body.innerText : '');",
                vec![],
            )
            .await
            .ok()
            .and_then(|text| text.as_str().map(str::to_owned))
            .unwrap_or_else(|| "(no page)".to_owned())
    }

    /// Sets the viewport (not the window) to `width` x `height` CSS pixels.
    pub async fn viewport(&self, (width, height): (u32, u32)) {
        let _ = self.client.set_window_size(width, height).await;
        for _ in 0..3 {
            let inner = self
                .exec("return [window.innerWidth, window.innerHeight];", vec![])
                .await;
            let inner_width = inner[0].as_i64().unwrap_or(width.into());
            let inner_height = inner[1].as_i64().unwrap_or(height.into());
            if inner_width == i64::from(width) && inner_height == i64::from(height) {
                return;
            }
            let (outer_width, outer_height) = self
                .client
                .get_window_size()
                .await
                .expect("the window size");
            let outer_width = outer_width as i64 + i64::from(width) - inner_width;
            let outer_height = outer_height as i64 + i64::from(height) - inner_height;
            let _ = self
                .client
                .set_window_size(outer_width.max(100) as u32, outer_height.max(100) as u32)
                .await;
        }
    }

    /// Saves `<name>-phone.png` (375x812) and `<name>-desktop.png` (1280x900)
    /// of the current screen into the test's folder; the phone size stays.
    pub async fn screenshots(&self, name: &str) {
        for (suffix, size) in [("phone", PHONE), ("desktop", DESKTOP)] {
            self.viewport(size).await;
            // Two frames: the layout for the new size, then its paint.
            let _ = self
                .client
                .execute_async(
                    "const done = arguments[arguments.length - 1]; \
                     requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                    vec![],
                )
                .await;
            let png = self.client.screenshot().await.expect("a screenshot");
            let path = self.folder.join(format!("{name}-{suffix}.png"));
            std::fs::write(&path, png)
                .unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
        }
        self.viewport(PHONE).await;
    }

    /// Script errors and `console.error`s the page logged since the last call
    /// (failed requests are left out: a 401 or 404 answer is often expected).
    pub async fn console_errors(&self) -> Vec<String> {
        let Ok(entries) = self.client.issue_cmd(BrowserLog).await else {
            return Vec::new();
        };
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .filter_map(|entry| entry["message"].as_str())
            .filter(|message| !message.contains("Failed to load resource"))
            .map(str::to_owned)
            .collect()
    }

    async fn wait_until(&self, what: &str, script: &str) {
        let started = Instant::now();
        loop {
            if self
                .client
                .execute(script, vec![])
                .await
                .is_ok_and(|done| done == Value::Bool(true))
            {
                return;
            }
            if started.elapsed() > PATIENCE {
                panic!(
                    "[{}] waited for {what}; the page says:\n{}",
                    self.test,
                    self.page_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Ends the browser session; fails the test if the page logged a script
    /// error or a `console.error` along the way.
    pub async fn close(self) {
        let errors = self.console_errors().await;
        let _ = self.client.close().await;
        assert!(
            errors.is_empty(),
            "[{}] the page logged errors: {errors:#?}",
            self.test
        );
    }
}
