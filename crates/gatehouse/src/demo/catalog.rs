//! What the demo account is made of: its teams, its projects on five platforms, and the
//! errors each project can have, with the stack traces they come with. The generator in
//! [`super::monitoring`] picks from these and makes up the numbers.

use crate::storage::Level;

#[derive(Debug)]
pub struct TeamSpec {
    pub slug: &'static str,
    pub name: &'static str,
}

/// Where a project's events come from, which decides the tags they carry.
#[derive(Debug)]
pub enum Origin {
    /// Code running on servers: events name the host and the language runtime.
    Server {
        hosts: &'static [&'static str],
        runtime: &'static str,
    },
    /// Code running in people's browsers: events name the browser and operating system.
    Browser,
}

/// A stack frame: file, function, line, and whether it is the project's own code.
pub type FrameSpec = (&'static str, &'static str, u32, bool);

#[derive(Debug)]
pub struct IssueSpec {
    pub title: &'static str,
    pub culprit: &'static str,
    pub level: Level,
    /// The frames below the project's framework frames, innermost last.
    pub frames: &'static [FrameSpec],
}

#[derive(Debug)]
pub struct ProjectSpec {
    pub slug: &'static str,
    pub name: &'static str,
    /// Sentry's platform identifier of the project.
    pub platform: &'static str,
    /// The SDK platform its events report.
    pub event_platform: &'static str,
    /// Owning teams, by slug; the first is the one the project was made for.
    pub teams: &'static [&'static str],
    pub origin: Origin,
    /// The framework's frames that start every stack trace of the project.
    pub outer_frames: &'static [FrameSpec],
    pub issues: &'static [IssueSpec],
}

pub const TEAMS: &[TeamSpec] = &[
    TeamSpec {
        slug: "backend",
        name: "Backend",
    },
    TeamSpec {
        slug: "frontend",
        name: "Frontend",
    },
    TeamSpec {
        slug: "platform",
        name: "Platform",
    },
];

/// Browsers with the operating systems they run on, as SDKs report them.
pub const BROWSERS: &[(&str, &str)] = &[
    ("Chrome 131.0.0", "Windows 10"),
    ("Chrome 131.0.0", "Mac OS X 10.15.7"),
    ("Firefox 133.0", "Windows 10"),
    ("Safari 18.1", "Mac OS X 10.15.7"),
    ("Mobile Safari 18.1", "iOS 18.1"),
    ("Chrome Mobile 131.0.0", "Android 14"),
    ("Edge 131.0.0", "Windows 10"),
];

pub const PROJECTS: &[ProjectSpec] = &[BACKEND, WEB, GATEWAY, BILLING, STOREFRONT];

const BACKEND: ProjectSpec = ProjectSpec {
    slug: "backend",
    name: "Backend API",
    platform: "python-django",
    event_platform: "python",
    teams: &["backend"],
    origin: Origin::Server {
        hosts: &["api-prod-1", "api-prod-2", "api-prod-3", "worker-prod-1"],
        runtime: "CPython 3.12.7",
    },
    outer_frames: &[
        ("django/core/handlers/exception.py", "inner", 55, false),
        ("django/core/handlers/base.py", "_get_response", 197, false),
        ("rest_framework/views.py", "dispatch", 509, false),
    ],
    issues: &[
        IssueSpec {
            title: "OperationalError: could not connect to server: Connection refused",
            culprit: "api.views.orders in list_orders",
            level: Level::Error,
            frames: &[
                ("api/views/orders.py", "list_orders", 42, true),
                ("django/db/models/query.py", "__iter__", 394, false),
                (
                    "django/db/backends/postgresql/base.py",
                    "get_new_connection",
                    269,
                    false,
                ),
            ],
        },
        IssueSpec {
            title: "KeyError: 'customer_id'",
            culprit: "billing.webhooks in handle_invoice_paid",
            level: Level::Error,
            frames: &[
                ("billing/webhooks.py", "receive", 31, true),
                ("billing/webhooks.py", "handle_invoice_paid", 87, true),
            ],
        },
        IssueSpec {
            title: "IntegrityError: duplicate key value violates unique constraint \
                    \"accounts_user_email_key\"",
            culprit: "accounts.services in register_user",
            level: Level::Error,
            frames: &[
                ("accounts/views.py", "signup", 58, true),
                ("accounts/services.py", "register_user", 23, true),
                ("django/db/backends/utils.py", "_execute", 105, false),
            ],
        },
        IssueSpec {
            title: "SoftTimeLimitExceeded: SoftTimeLimitExceeded()",
            culprit: "exports.tasks in generate_report",
            level: Level::Error,
            frames: &[
                ("exports/tasks.py", "generate_report", 112, true),
                ("exports/rendering.py", "render_rows", 64, true),
            ],
        },
        IssueSpec {
            title: "ValueError: invalid literal for int() with base 10: 'undefined'",
            culprit: "api.views.products in product_detail",
            level: Level::Error,
            frames: &[("api/views/products.py", "product_detail", 77, true)],
        },
        IssueSpec {
            title: "AttributeError: 'NoneType' object has no attribute 'email'",
            culprit: "notifications.mailer in send_receipt",
            level: Level::Error,
            frames: &[
                ("api/views/checkout.py", "complete", 140, true),
                ("notifications/mailer.py", "send_receipt", 19, true),
            ],
        },
        IssueSpec {
            title: "DisallowedHost: Invalid HTTP_HOST header: '10.0.3.17:8000'.",
            culprit: "django.http.request in get_host",
            level: Level::Warning,
            frames: &[("django/http/request.py", "get_host", 150, false)],
        },
        IssueSpec {
            title: "ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
            culprit: "api.cache in get_cached_cart",
            level: Level::Error,
            frames: &[
                ("api/views/cart.py", "retrieve", 28, true),
                ("api/cache.py", "get_cached_cart", 16, true),
                ("redis/connection.py", "connect", 363, false),
            ],
        },
        IssueSpec {
            title: "PermissionDenied: User 4821 may not export organization 17",
            culprit: "exports.views in create_export",
            level: Level::Info,
            frames: &[("exports/views.py", "create_export", 35, true)],
        },
    ],
};

const WEB: ProjectSpec = ProjectSpec {
    slug: "web",
    name: "Web App",
    platform: "javascript-react",
    event_platform: "javascript",
    teams: &["frontend"],
    origin: Origin::Browser,
    outer_frames: &[
        (
            "node_modules/react-dom/cjs/react-dom.production.js",
            "performUnitOfWork",
            10_212,
            false,
        ),
        (
            "node_modules/react-dom/cjs/react-dom.production.js",
            "beginWork",
            7_345,
            false,
        ),
        (
            "node_modules/react-dom/cjs/react-dom.production.js",
            "renderWithHooks",
            3_521,
            false,
        ),
    ],
    issues: &[
        IssueSpec {
            title: "TypeError: Cannot read properties of undefined (reading 'map')",
            culprit: "src/components/OrderList.tsx in OrderList",
            level: Level::Error,
            frames: &[("src/components/OrderList.tsx", "OrderList", 37, true)],
        },
        IssueSpec {
            title: "ChunkLoadError: Loading chunk 714 failed.",
            culprit: "/checkout",
            level: Level::Error,
            frames: &[
                ("src/routes/lazy.ts", "loadRoute", 12, true),
                (
                    "webpack/runtime/jsonp chunk loading",
                    "__webpack_require__.f.j",
                    27,
                    false,
                ),
            ],
        },
        IssueSpec {
            title: "AxiosError: Request failed with status code 502",
            culprit: "src/api/client.ts in request",
            level: Level::Error,
            frames: &[
                ("src/hooks/useProjects.ts", "fetchProjects", 21, true),
                ("src/api/client.ts", "request", 48, true),
                ("node_modules/axios/lib/core/settle.js", "settle", 19, false),
            ],
        },
        IssueSpec {
            title: "TypeError: Failed to fetch",
            culprit: "/dashboard",
            level: Level::Error,
            frames: &[("src/api/client.ts", "request", 44, true)],
        },
        IssueSpec {
            title: "ReferenceError: gtag is not defined",
            culprit: "src/analytics/track.ts in trackPageView",
            level: Level::Warning,
            frames: &[
                ("src/App.tsx", "App", 64, true),
                ("src/analytics/track.ts", "trackPageView", 9, true),
            ],
        },
        IssueSpec {
            title: "Error: Minified React error #418; visit https://react.dev/errors/418 for \
                    the full message",
            culprit: "/products/[slug]",
            level: Level::Error,
            frames: &[(
                "node_modules/react-dom/cjs/react-dom.production.js",
                "throwOnHydrationMismatch",
                2_103,
                false,
            )],
        },
        IssueSpec {
            title: "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON",
            culprit: "src/hooks/useSettings.ts in loadSettings",
            level: Level::Error,
            frames: &[
                ("src/pages/Settings.tsx", "Settings", 30, true),
                ("src/hooks/useSettings.ts", "loadSettings", 15, true),
            ],
        },
        IssueSpec {
            title: "RangeError: Maximum call stack size exceeded",
            culprit: "src/utils/deepMerge.ts in deepMerge",
            level: Level::Fatal,
            frames: &[
                ("src/store/preferences.ts", "applyDefaults", 52, true),
                ("src/utils/deepMerge.ts", "deepMerge", 8, true),
                ("src/utils/deepMerge.ts", "deepMerge", 14, true),
            ],
        },
        IssueSpec {
            title: "ResizeObserver loop completed with undelivered notifications.",
            culprit: "/reports",
            level: Level::Info,
            frames: &[("src/components/charts/AutoSize.tsx", "AutoSize", 26, true)],
        },
    ],
};

const GATEWAY: ProjectSpec = ProjectSpec {
    slug: "ingest-gateway",
    name: "Ingest Gateway",
    platform: "go",
    event_platform: "go",
    teams: &["platform"],
    origin: Origin::Server {
        hosts: &[
            "ingest-7f9c4-2xkqp",
            "ingest-7f9c4-9lmzr",
            "ingest-7f9c4-tq4vd",
        ],
        runtime: "go 1.23.4",
    },
    outer_frames: &[
        ("net/http/server.go", "(*conn).serve", 2_092, false),
        (
            "net/http/server.go",
            "serverHandler.ServeHTTP",
            3_210,
            false,
        ),
        (
            "github.com/go-chi/chi/v5/mux.go",
            "(*Mux).ServeHTTP",
            90,
            false,
        ),
    ],
    issues: &[
        IssueSpec {
            title: "runtime error: invalid memory address or nil pointer dereference",
            culprit: "internal/queue in (*Producer).Publish",
            level: Level::Fatal,
            frames: &[
                ("internal/api/envelope.go", "(*Handler).Ingest", 88, true),
                (
                    "internal/queue/producer.go",
                    "(*Producer).Publish",
                    61,
                    true,
                ),
            ],
        },
        IssueSpec {
            title: "context deadline exceeded",
            culprit: "internal/storage in (*Client).PutObject",
            level: Level::Error,
            frames: &[
                ("internal/api/attachments.go", "(*Handler).Upload", 45, true),
                (
                    "internal/storage/client.go",
                    "(*Client).PutObject",
                    112,
                    true,
                ),
            ],
        },
        IssueSpec {
            title: "dial tcp 10.0.4.12:9092: connect: connection refused",
            culprit: "internal/queue in (*Producer).connect",
            level: Level::Error,
            frames: &[
                (
                    "internal/queue/producer.go",
                    "(*Producer).Publish",
                    55,
                    true,
                ),
                (
                    "internal/queue/producer.go",
                    "(*Producer).connect",
                    140,
                    true,
                ),
                ("net/dial.go", "(*Dialer).DialContext", 586, false),
            ],
        },
        IssueSpec {
            title: "pq: sorry, too many clients already",
            culprit: "internal/db in Open",
            level: Level::Error,
            frames: &[
                ("internal/api/quota.go", "(*Handler).checkQuota", 33, true),
                ("internal/db/db.go", "Open", 27, true),
            ],
        },
        IssueSpec {
            title: "json: cannot unmarshal string into Go struct field Envelope.timestamp of \
                    type float64",
            culprit: "internal/api in (*Handler).decodeEnvelope",
            level: Level::Warning,
            frames: &[
                (
                    "internal/api/envelope.go",
                    "(*Handler).decodeEnvelope",
                    120,
                    true,
                ),
                (
                    "encoding/json/decode.go",
                    "(*decodeState).unmarshal",
                    184,
                    false,
                ),
            ],
        },
        IssueSpec {
            title: "http: request body too large",
            culprit: "internal/api in (*Handler).Ingest",
            level: Level::Info,
            frames: &[("internal/api/envelope.go", "(*Handler).Ingest", 71, true)],
        },
        IssueSpec {
            title: "runtime error: index out of range [3] with length 3",
            culprit: "internal/ratelimit in (*Window).Add",
            level: Level::Fatal,
            frames: &[
                (
                    "internal/ratelimit/middleware.go",
                    "Middleware.func1",
                    24,
                    true,
                ),
                ("internal/ratelimit/window.go", "(*Window).Add", 47, true),
            ],
        },
        IssueSpec {
            title: "fatal error: concurrent map writes",
            culprit: "internal/cache in (*Store).Set",
            level: Level::Fatal,
            frames: &[
                (
                    "internal/api/projects.go",
                    "(*Handler).projectConfig",
                    66,
                    true,
                ),
                ("internal/cache/store.go", "(*Store).Set", 38, true),
            ],
        },
        IssueSpec {
            title: "tls: failed to verify certificate: x509: certificate has expired or is \
                    not yet valid",
            culprit: "internal/forward in (*Client).Send",
            level: Level::Error,
            frames: &[
                ("internal/forward/client.go", "(*Client).Send", 93, true),
                (
                    "crypto/tls/handshake_client.go",
                    "(*Conn).verifyServerCertificate",
                    1_123,
                    false,
                ),
            ],
        },
    ],
};

const BILLING: ProjectSpec = ProjectSpec {
    slug: "billing",
    name: "Billing Service",
    platform: "java-spring",
    event_platform: "java",
    teams: &["backend", "platform"],
    origin: Origin::Server {
        hosts: &["billing-0", "billing-1"],
        runtime: "OpenJDK 21.0.5",
    },
    outer_frames: &[
        ("FrameworkServlet.java", "service", 885, false),
        ("DispatcherServlet.java", "doDispatch", 1_089, false),
        ("InvocableHandlerMethod.java", "doInvoke", 255, false),
    ],
    issues: &[
        IssueSpec {
            title: "NullPointerException: Cannot invoke \"com.acme.billing.model.Customer.\
                    getPlan()\" because \"customer\" is null",
            culprit: "com.acme.billing.service.InvoiceService in createInvoice",
            level: Level::Error,
            frames: &[
                ("InvoiceController.java", "create", 58, true),
                ("InvoiceService.java", "createInvoice", 112, true),
            ],
        },
        IssueSpec {
            title: "CannotCreateTransactionException: Could not open JPA EntityManager for \
                    transaction",
            culprit: "com.acme.billing.service.SubscriptionService in renew",
            level: Level::Error,
            frames: &[
                ("SubscriptionController.java", "renew", 74, true),
                ("SubscriptionService.java", "renew", 40, true),
                ("JpaTransactionManager.java", "doBegin", 466, false),
            ],
        },
        IssueSpec {
            title: "TooManyRequests: 429 Too Many Requests: \"{\"error\":\"rate_limited\"}\"",
            culprit: "com.acme.billing.gateway.StripeGateway in charge",
            level: Level::Error,
            frames: &[
                ("PaymentService.java", "capture", 88, true),
                ("StripeGateway.java", "charge", 131, true),
                (
                    "DefaultResponseErrorHandler.java",
                    "handleError",
                    198,
                    false,
                ),
            ],
        },
        IssueSpec {
            title: "ObjectOptimisticLockingFailureException: Row was updated or deleted by \
                    another transaction",
            culprit: "com.acme.billing.service.InvoiceService in applyCredit",
            level: Level::Warning,
            frames: &[
                ("InvoiceService.java", "applyCredit", 204, true),
                ("SimpleJpaRepository.java", "save", 618, false),
            ],
        },
        IssueSpec {
            title: "IllegalStateException: Invoice 88213 is already finalized",
            culprit: "com.acme.billing.service.InvoiceService in finalizeInvoice",
            level: Level::Warning,
            frames: &[
                ("InvoiceController.java", "finalizeInvoice", 96, true),
                ("InvoiceService.java", "finalizeInvoice", 167, true),
            ],
        },
        IssueSpec {
            title: "DateTimeParseException: Text '2024-13-01' could not be parsed: Invalid \
                    value for MonthOfYear (valid values 1 - 12): 13",
            culprit: "com.acme.billing.web.ReportController in monthlyReport",
            level: Level::Error,
            frames: &[
                ("ReportController.java", "monthlyReport", 41, true),
                ("LocalDate.java", "parse", 430, false),
            ],
        },
        IssueSpec {
            title: "OutOfMemoryError: Java heap space",
            culprit: "com.acme.billing.export.CsvExporter in writeAll",
            level: Level::Fatal,
            frames: &[
                ("ExportController.java", "download", 37, true),
                ("CsvExporter.java", "writeAll", 52, true),
                ("ArrayList.java", "grow", 237, false),
            ],
        },
        IssueSpec {
            title: "SocketTimeoutException: Read timed out",
            culprit: "com.acme.billing.tax.TaxClient in quote",
            level: Level::Error,
            frames: &[
                ("CheckoutService.java", "total", 99, true),
                ("TaxClient.java", "quote", 61, true),
                ("NioSocketImpl.java", "timedRead", 288, false),
            ],
        },
        IssueSpec {
            title: "ConstraintViolationException: refund.amount: must be greater than 0",
            culprit: "com.acme.billing.web.RefundController in create",
            level: Level::Warning,
            frames: &[("RefundController.java", "create", 29, true)],
        },
    ],
};

const STOREFRONT: ProjectSpec = ProjectSpec {
    slug: "storefront",
    name: "Storefront",
    platform: "ruby-rails",
    event_platform: "ruby",
    teams: &["frontend", "backend"],
    origin: Origin::Server {
        hosts: &["web-1", "web-2", "sidekiq-1"],
        runtime: "ruby 3.3.6",
    },
    outer_frames: &[
        (
            "actionpack (7.2.2) lib/action_controller/metal.rb",
            "dispatch",
            226,
            false,
        ),
        (
            "actionpack (7.2.2) lib/abstract_controller/base.rb",
            "process",
            160,
            false,
        ),
        (
            "actionpack (7.2.2) lib/action_controller/metal/basic_implicit_render.rb",
            "send_action",
            8,
            false,
        ),
    ],
    issues: &[
        IssueSpec {
            title: "NoMethodError: undefined method `price' for nil",
            culprit: "CartsController#show",
            level: Level::Error,
            frames: &[
                ("app/controllers/carts_controller.rb", "show", 14, true),
                ("app/models/cart.rb", "subtotal", 31, true),
            ],
        },
        IssueSpec {
            title: "ActiveRecord::RecordNotFound: Couldn't find Product with 'id'=48213",
            culprit: "ProductsController#show",
            level: Level::Warning,
            frames: &[
                ("app/controllers/products_controller.rb", "show", 9, true),
                (
                    "activerecord (7.2.2) lib/active_record/core.rb",
                    "find",
                    253,
                    false,
                ),
            ],
        },
        IssueSpec {
            title: "ActionView::Template::Error: undefined local variable or method \
                    `current_customer'",
            culprit: "CheckoutsController#new",
            level: Level::Error,
            frames: &[
                (
                    "app/views/checkouts/new.html.erb",
                    "_app_views_checkouts_new_html_erb",
                    12,
                    true,
                ),
                (
                    "actionview (7.2.2) lib/action_view/template.rb",
                    "render",
                    261,
                    false,
                ),
            ],
        },
        IssueSpec {
            title: "Redis::CannotConnectError: Error connecting to Redis on 127.0.0.1:6379 \
                    (Errno::ECONNREFUSED)",
            culprit: "SessionsController#create",
            level: Level::Error,
            frames: &[
                ("app/controllers/sessions_controller.rb", "create", 22, true),
                (
                    "redis-client (0.22.2) lib/redis_client/ruby_connection.rb",
                    "connect",
                    137,
                    false,
                ),
            ],
        },
        IssueSpec {
            title: "ActiveRecord::QueryCanceled: PG::QueryCanceled: ERROR: canceling \
                    statement due to statement timeout",
            culprit: "SearchController#index",
            level: Level::Error,
            frames: &[
                ("app/controllers/search_controller.rb", "index", 17, true),
                ("app/queries/product_search.rb", "results", 44, true),
            ],
        },
        IssueSpec {
            title: "Net::ReadTimeout: Net::ReadTimeout with #<TCPSocket:(closed)>",
            culprit: "ShippingRatesJob",
            level: Level::Error,
            frames: &[
                ("app/jobs/shipping_rates_job.rb", "perform", 11, true),
                ("app/services/carrier_client.rb", "rates", 36, true),
            ],
        },
        IssueSpec {
            title: "ActionController::InvalidAuthenticityToken: Can't verify CSRF token \
                    authenticity.",
            culprit: "OrdersController#create",
            level: Level::Warning,
            frames: &[(
                "actionpack (7.2.2) lib/action_controller/metal/request_forgery_protection.rb",
                "handle_unverified_request",
                269,
                false,
            )],
        },
        IssueSpec {
            title: "Stripe::CardError: Your card was declined.",
            culprit: "PaymentsController#create",
            level: Level::Info,
            frames: &[
                ("app/controllers/payments_controller.rb", "create", 27, true),
                ("app/services/charge_customer.rb", "call", 19, true),
            ],
        },
        IssueSpec {
            title: "ArgumentError: comparison of Integer with nil failed",
            culprit: "Promotions::Calculator#apply",
            level: Level::Error,
            frames: &[
                ("app/controllers/carts_controller.rb", "update", 41, true),
                ("app/models/promotions/calculator.rb", "apply", 23, true),
            ],
        },
    ],
};
