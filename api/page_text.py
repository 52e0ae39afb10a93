"""The words of the server-rendered pages, Vietnamese first (the scripts carry their own,
web/src/i18n.js)."""
from __future__ import annotations

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

_TEXT = {
    "vi": {
        "product": "Một cửa điện tử",
        "signin_title": "Đăng nhập",
        "token": "Mã truy cập (token)",
        "token_help": "Mã do quản trị viên cấp cho bạn.",
        "signin": "Đăng nhập",
        "signout": "Đăng xuất",
        "demo_users": "Người dùng thử nghiệm",
        "demo_help": "Chọn một người dùng của bản thử nghiệm để đăng nhập.",
        "signin_failed": "Mã truy cập không đúng, đã bị thu hồi hoặc đã hết hạn.",
        "signin_throttled": "Quá nhiều lần đăng nhập sai; vui lòng thử lại sau một phút.",
        "signin_jwt": "Đăng nhập bằng tài khoản của tỉnh qua nhà cung cấp định danh.",
        "signin_again": "Trang đăng nhập đã hết hiệu lực; vui lòng đăng nhập lại.",
        "signin_oidc": "Đăng nhập bằng tài khoản của tỉnh",
        "signin_oidc_help": "Dùng tài khoản do hệ thống định danh của tỉnh cấp.",
        "or_token": "Hoặc đăng nhập bằng mã truy cập",
        "detail": "Chi tiết",
        "oidc_denied": "Việc đăng nhập đã bị hủy hoặc bị từ chối tại hệ thống định danh của tỉnh.",
        "oidc_provider": "Hệ thống định danh của tỉnh không đăng nhập được cho bạn.",
        "oidc_state": "Phiên đăng nhập này không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",
        "oidc_code": "Mã đăng nhập đã được dùng hoặc đã hết hạn; vui lòng đăng nhập lại.",
        "oidc_token": "Không tin cậy được thông tin đăng nhập do hệ thống định danh gửi về.",
        "oidc_claims": "Tài khoản của tỉnh chưa gắn với đơn vị, chức vụ hoặc vai trò hợp lệ "
                       "trên hệ thống này; vui lòng liên hệ quản trị viên.",
        "oidc_disabled": "Tài khoản này đã bị khóa; vui lòng liên hệ quản trị viên.",
        "oidc_unavailable": "Chưa kết nối được với hệ thống định danh của tỉnh; vui lòng "
                            "thử lại sau ít phút.",
        "language": "Ngôn ngữ",
        "loading": "Đang tải…",
        "skip": "Bỏ qua đến nội dung",
        "inbox": "Hộp công việc",
        "task": "Bước xử lý",
        "dossier": "Hồ sơ",
        "intake": "Tiếp nhận hồ sơ",
        "audit": "Kiểm tra hồ sơ",
        "replay": "Xem lại hồ sơ",
        "modeller": "Thiết kế quy trình",
        "design": "Quy trình và phiên bản",
        "form_editor": "Soạn biểu mẫu",
        "public_pages": "Trang công khai",
        "citizens": "Công dân, tổ chức tra cứu hồ sơ, đánh giá và xem số liệu:",
        "public_home": "Dịch vụ công một cửa",
        "public_lookup": "Tra cứu hồ sơ",
        "public_rating": "Đánh giá sự hài lòng",
        "public_figures": "Số liệu giải quyết",
        "public_lookup_help": "Xem tình trạng, ngày hẹn trả kết quả và tải các thông báo gửi "
                              "bạn, bằng mã hồ sơ và số định danh hoặc mã tra cứu trên giấy "
                              "tiếp nhận.",
        "public_rating_help": "Đánh giá việc giải quyết hồ sơ của bạn sau khi nhận kết quả, "
                              "và gửi phản ánh, kiến nghị nếu có.",
        "public_figures_help": "Số hồ sơ tiếp nhận, giải quyết sớm, đúng, trễ hạn theo đơn vị "
                               "và theo tháng, và các chỉ số theo Quyết định 766.",
        "public_staff": "Cán bộ, công chức:",
    },
    "en": {
        "product": "One-stop shop",
        "signin_title": "Sign in",
        "token": "Access token",
        "token_help": "The token your administrator gave you.",
        "signin": "Sign in",
        "signout": "Sign out",
        "demo_users": "Demo users",
        "demo_help": "Pick one of the demo's users to sign in as.",
        "signin_failed": "The token is wrong, revoked or expired.",
        "signin_throttled": "Too many failed sign-ins; try again in a minute.",
        "signin_jwt": "Sign in with the province's account through its identity provider.",
        "signin_again": "The sign-in page had expired; please sign in again.",
        "signin_oidc": "Sign in with the province's account",
        "signin_oidc_help": "Use the account the province's identity provider gave you.",
        "or_token": "Or sign in with an access token",
        "detail": "Details",
        "oidc_denied": "The sign-in was cancelled or refused at the province's identity provider.",
        "oidc_provider": "The province's identity provider could not sign you in.",
        "oidc_state": "This sign-in is not valid here or has expired; please sign in again.",
        "oidc_code": "The sign-in code was used already or has expired; please sign in again.",
        "oidc_token": "The sign-in the identity provider sent back cannot be trusted.",
        "oidc_claims": "The province's account names no unit, position or role valid here; "
                       "please ask your administrator.",
        "oidc_disabled": "This account is disabled; please ask your administrator.",
        "oidc_unavailable": "The province's identity provider cannot be reached; please try "
                            "again in a few minutes.",
        "language": "Language",
        "loading": "Loading…",
        "skip": "Skip to content",
        "inbox": "Inbox",
        "task": "Task",
        "dossier": "Dossier",
        "intake": "Receive a dossier",
        "audit": "Dossier audit",
        "replay": "Replay of dossier",
        "modeller": "Process modeller",
        "design": "Processes and versions",
        "form_editor": "Form editor",
        "public_pages": "Public pages",
        "citizens": "Citizens and businesses look up a dossier, rate it and see the figures:",
        "public_home": "One-stop public services",
        "public_lookup": "Look up a dossier",
        "public_rating": "Rate the service",
        "public_figures": "Figures",
        "public_lookup_help": "See the status, the appointment for the result and download "
                              "the notices addressed to you, with the dossier's code and your "
                              "identity number or the lookup secret on the receipt.",
        "public_rating_help": "Rate how your dossier was handled once you have its result, "
                              "and send a complaint or recommendation if you wish.",
        "public_figures_help": "Dossiers received and finished early, on time or late, by unit "
                               "and month, and the Decision 766 indicators.",
        "public_staff": "Officers:",
    },
}


def text_for(lang: str) -> dict[str, str]:
    return _TEXT.get(lang, _TEXT["vi"])
