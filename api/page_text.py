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
        "language": "Ngôn ngữ",
        "loading": "Đang tải…",
        "skip": "Bỏ qua đến nội dung",
        "inbox": "Hộp công việc",
        "task": "Bước xử lý",
        "dossier": "Hồ sơ",
        "modeller": "Thiết kế quy trình",
        "design": "Quy trình và phiên bản",
        "form_editor": "Soạn biểu mẫu",
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
        "language": "Language",
        "loading": "Loading…",
        "skip": "Skip to content",
        "inbox": "Inbox",
        "task": "Task",
        "dossier": "Dossier",
        "modeller": "Process modeller",
        "design": "Processes and versions",
        "form_editor": "Form editor",
    },
}


def text_for(lang: str) -> dict[str, str]:
    return _TEXT.get(lang, _TEXT["vi"])
