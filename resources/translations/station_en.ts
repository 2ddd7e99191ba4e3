<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="vi_VN">
<context>
    <name>AddMemberDialog</name>
    <message>
        <source>Tìm người cần thêm: tên hoặc số định danh</source>
        <translation>Find the person to add: name or ID number</translation>
    </message>
    <message>
        <source>Thêm vào hộ (Enter)</source>
        <translation>Add to household (Enter)</translation>
    </message>
    <message>
        <source>Hủy (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Thêm người đã có vào hộ</source>
        <translation>Add an existing resident to the household</translation>
    </message>
</context>
<context>
    <name>ConflictEditor</name>
    <message>
        <source>Không có xung đột nào đang chờ.</source>
        <translation>No conflicts are waiting.</translation>
    </message>
    <message>
        <source>Chọn một xung đột ở bên trái.</source>
        <translation>Choose a conflict on the left.</translation>
    </message>
    <message>
        <source>Công an tỉnh</source>
        <translation>the province police</translation>
    </message>
    <message>
        <source>trạm %1</source>
        <translation>station %1</translation>
    </message>
    <message>
        <source>%1 %2: đã được sửa cả ở trạm này và ở %3.</source>
        <translation>%1 %2: changed both at this station and by %3.</translation>
    </message>
    <message>
        <source>%1 %2: trạm đã xóa, còn %3 đã sửa.</source>
        <translation>%1 %2: deleted at this station but changed by %3.</translation>
    </message>
    <message>
        <source>%1 %2: trạm đã sửa, còn %3 đã xóa.</source>
        <translation>%1 %2: changed at this station but deleted by %3.</translation>
    </message>
    <message>
        <source>Hồ sơ đã bị xóa sau đó: xử lý xung đột này vẫn giữ hồ sơ ở trạng thái đã xóa.</source>
        <translation>The record was deleted since: settling this conflict keeps it deleted.</translation>
    </message>
    <message>
        <source>Thông tin</source>
        <translation>Field</translation>
    </message>
    <message>
        <source>Giá trị của trạm</source>
        <translation>Station&apos;s value</translation>
    </message>
    <message>
        <source>Giá trị của tỉnh</source>
        <translation>Province&apos;s value</translation>
    </message>
    <message>
        <source>Giữ giá trị</source>
        <translation>Value to keep</translation>
    </message>
    <message>
        <source>Đánh dấu đã xử lý</source>
        <translation>Mark resolved</translation>
    </message>
    <message>
        <source>Giữ các giá trị ở cột cuối và đánh dấu xung đột đã xử lý</source>
        <translation>Keep the values in the last column and mark the conflict resolved</translation>
    </message>
    <message>
        <source>Xóa hồ sơ này</source>
        <translation>Delete this record</translation>
    </message>
</context>
<context>
    <name>Fields</name>
    <message>
        <source>Đồng bộ</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>Chủ hộ</source>
        <translation>Head of household</translation>
    </message>
    <message>
        <source>chờ gửi</source>
        <translation>pending</translation>
    </message>
    <message>
        <source>đã gửi</source>
        <translation>synced</translation>
    </message>
    <message>
        <source>bị từ chối</source>
        <translation>rejected</translation>
    </message>
    <message>
        <source>xung đột</source>
        <translation>conflict</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <source>Thiết lập lần đầu</source>
        <translation>First-time setup</translation>
    </message>
    <message>
        <source>Nhập thông tin đơn vị và tạo tài khoản Trưởng Công an xã/phường. Tài khoản này tạo được tài khoản cho cán bộ khác.</source>
        <translation>Enter the station&apos;s details and create the station head&apos;s account. That account can create accounts for the other officers.</translation>
    </message>
    <message>
        <source>Tạo đơn vị và tài khoản</source>
        <translation>Create station and account</translation>
    </message>
</context>
<context>
    <name>Gate</name>
    <message>
        <source>Tên đơn vị</source>
        <translation>Station name</translation>
    </message>
    <message>
        <source>Mã tỉnh</source>
        <translation>Province code</translation>
    </message>
    <message>
        <source>Mã xã/phường</source>
        <translation>Commune code</translation>
    </message>
    <message>
        <source>Họ và tên Trưởng Công an</source>
        <translation>Station head&apos;s full name</translation>
    </message>
    <message>
        <source>Tên đăng nhập</source>
        <translation>Username</translation>
    </message>
    <message>
        <source>Mật khẩu</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Nhập lại mật khẩu</source>
        <translation>Repeat the password</translation>
    </message>
</context>
<context>
    <name>HouseholdPage</name>
    <message>
        <source>Hộ gia đình: %1</source>
        <translation>Household: %1</translation>
    </message>
    <message>
        <source>Thêm hộ gia đình</source>
        <translation>New household</translation>
    </message>
    <message>
        <source>← Danh sách</source>
        <translation>← List</translation>
    </message>
    <message>
        <source>Lưu (Enter)</source>
        <translation>Save (Enter)</translation>
    </message>
    <message>
        <source>Hủy (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Thành viên trong hộ: %1</source>
        <translation>Household members: %1</translation>
    </message>
    <message>
        <source>Thêm nhân khẩu mới vào hộ…</source>
        <translation>Add a new resident to the household…</translation>
    </message>
    <message>
        <source>Thêm người đã có…</source>
        <translation>Add an existing resident…</translation>
    </message>
</context>
<context>
    <name>HouseholdsView</name>
    <message>
        <source>Tìm thấy %1 hộ</source>
        <translation>%1 households found</translation>
    </message>
    <message>
        <source>Tổng số hộ: %1</source>
        <translation>Households: %1</translation>
    </message>
    <message>
        <source>Tìm theo số hộ, địa chỉ, thôn/tổ dân phố…</source>
        <translation>Search by household number, address, hamlet…</translation>
    </message>
    <message>
        <source>Thêm hộ (Ctrl+N)</source>
        <translation>New household (Ctrl+N)</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Ô trống: giữ nguyên giá trị đã lưu. Ô chỉ có dấu %1: xóa giá trị đó.</source>
        <translation>A blank cell keeps the stored value. A cell holding only %1 clears it.</translation>
    </message>
    <message>
        <source>Áp dụng cả thay đổi họ tên, ngày sinh, giới tính, hộ của người đã có (các dòng liệt kê trên)</source>
        <translation>Also apply the changes of name, date of birth, sex or household of stored persons (the lines listed above)</translation>
    </message>
    <message>
        <source>Nhập</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>Hủy (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Nhập nhân khẩu từ %1</source>
        <translation>Import residents from %1</translation>
    </message>
    <message>
        <source>Đang đọc tệp…</source>
        <translation>Reading the file…</translation>
    </message>
    <message>
        <source>Đã nhập: %1</source>
        <translation>Imported: %1</translation>
    </message>
    <message>
        <source>Đóng</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Xem trước, chưa ghi gì: %1</source>
        <translation>Preview, nothing written yet: %1</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>Đang mở khóa; nếu là Trưởng Công an, dữ liệu được mã hóa lại bằng khóa mới (có thể mất một lúc)…</source>
        <translation>Unlocking; for the station head, the data is re-encrypted under a new key (this may take a while)…</translation>
    </message>
    <message>
        <source>Quên mật khẩu? Trưởng Công an dùng khóa khôi phục…</source>
        <translation>Forgot the password? The station head uses the recovery key…</translation>
    </message>
    <message>
        <source>Màn hình đã khóa</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <source>%1 đang đăng nhập. Nhập mật khẩu để mở khóa.</source>
        <translation>%1 is logged in. Enter the password to unlock.</translation>
    </message>
    <message>
        <source>Mở khóa</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>Đăng nhập</source>
        <translation>Log in</translation>
    </message>
    <message>
        <source>Cán bộ khác đăng nhập…</source>
        <translation>Another officer logs in…</translation>
    </message>
    <message>
        <source>Chế độ trình diễn — tên đăng nhập: %1, mật khẩu: %2</source>
        <translation>Demo mode — username: %1, password: %2</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Đã khôi phục dữ liệu</source>
        <translation>Data restored</translation>
    </message>
    <message>
        <source>Phần mềm Công an xã/phường</source>
        <translation>Commune Police Station</translation>
    </message>
    <message>
        <source>Khóa (Ctrl+L)</source>
        <translation>Lock (Ctrl+L)</translation>
    </message>
    <message>
        <source>Không thực hiện được</source>
        <translation>Could not be done</translation>
    </message>
    <message>
        <source>Đóng</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Công an tỉnh đã khóa tài khoản này.</source>
        <translation>The province has disabled this account.</translation>
    </message>
    <message>
        <source>Công an tỉnh đã khóa một tài khoản cán bộ: dữ liệu đã được mã hóa lại bằng khóa mới.</source>
        <translation>The province disabled an officer account: the data has been re-encrypted under a new key.</translation>
    </message>
    <message>
        <source>Công an tỉnh đã khóa một tài khoản cán bộ. Dữ liệu phải được mã hóa lại bằng khóa mới, nhưng lần này cần Trưởng Công an (phải tạo khóa khôi phục mới, chỉ Trưởng Công an được xem; hoặc khóa của Trưởng Công an còn định dạng cũ). Việc này sẽ tự chạy khi Trưởng Công an đăng nhập: hãy báo Trưởng Công an đăng nhập sớm. Cho đến lúc đó, bản sao cũ của tệp khóa mà cán bộ bị khóa giữ vẫn mở được dữ liệu.</source>
        <translation>The province disabled an officer account. The data must be re-encrypted under a new key, but this time it needs the station head (a new recovery key must be made, which only the station head may see; or the station head&apos;s key entry is still of the old format). It runs by itself when a station head logs in: ask the station head to log in soon. Until then, an old copy of the key file held by the disabled officer still opens the data.</translation>
    </message>
    <message>
        <source>Công an tỉnh đã khóa một tài khoản cán bộ. Chưa mã hóa lại được dữ liệu bằng khóa mới vì tệp dữ liệu đang được chương trình khác mở; việc này sẽ chạy khi Trưởng Công an đăng nhập lần tới.</source>
        <translation>The province disabled an officer account. The data could not be re-encrypted under a new key yet because another program has the data file open; it runs at the station head&apos;s next login.</translation>
    </message>
    <message>
        <source>Cần Trưởng Công an</source>
        <translation>The station head is needed</translation>
    </message>
</context>
<context>
    <name>NewPasswordPage</name>
    <message>
        <source>Đặt mật khẩu của bạn</source>
        <translation>Set your own password</translation>
    </message>
    <message>
        <source>Mật khẩu này do người khác đặt cho bạn. Hãy đặt mật khẩu riêng trước khi làm việc (ít nhất 8 ký tự, có cả chữ và số).</source>
        <translation>This password was set for you by someone else. Choose your own before any work (at least 8 characters, letters and digits).</translation>
    </message>
    <message>
        <source>Đổi mật khẩu và tiếp tục</source>
        <translation>Change password and continue</translation>
    </message>
</context>
<context>
    <name>Officers</name>
    <message>
        <source>Cán bộ</source>
        <translation>Officer</translation>
    </message>
    <message>
        <source>Mã hóa lại lúc</source>
        <translation>Re-keyed at</translation>
    </message>
    <message>
        <source>Lý do</source>
        <translation>Why</translation>
    </message>
    <message>
        <source>Mật khẩu được cấp</source>
        <translation>Password you were given</translation>
    </message>
    <message>
        <source>Mật khẩu mới</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>Nhập lại mật khẩu mới</source>
        <translation>New password again</translation>
    </message>
    <message>
        <source>Họ và tên</source>
        <translation>Full name</translation>
    </message>
    <message>
        <source>Tên đăng nhập</source>
        <translation>Username</translation>
    </message>
    <message>
        <source>Vai trò</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Tình trạng</source>
        <translation>State</translation>
    </message>
</context>
<context>
    <name>OfficersBox</name>
    <message>
        <source>tài khoản bị khóa lúc %1: bản sao cũ của tệp khóa không mở được dữ liệu ghi sau lần mã hóa lại</source>
        <translation>account disabled at %1: an older copy of the key file opens nothing written after the re-key</translation>
    </message>
    <message>
        <source>mật khẩu được đặt lại lúc %1: mật khẩu cũ trong bản sao cũ của tệp khóa không mở được dữ liệu ghi sau lần mã hóa lại</source>
        <translation>password reset at %1: the old password in an older copy of the key file opens nothing written after the re-key</translation>
    </message>
    <message>
        <source>mục khóa kiểu cũ không chuyển sang khóa mới được: cán bộ đăng nhập khi phần mềm đang mở (&quot;Cán bộ khác đăng nhập…&quot;), hoặc đặt lại mật khẩu</source>
        <translation>an old-format entry the re-key could not carry: the officer logs in while the program is open (&quot;Another officer logs in…&quot;), or reset their password</translation>
    </message>
    <message>
        <source>Lần khôi phục gần nhất: %1, từ tệp %2, trên máy mới: tài khoản theo bản sao lưu.</source>
        <translation>Last restore: %1, from the file %2, on a new machine: the accounts are the backup&apos;s.</translation>
    </message>
    <message>
        <source>Lần khôi phục gần nhất: %1, từ tệp %2. Tài khoản được giữ như hiện tại (không lấy theo bản sao lưu):</source>
        <translation>Last restore: %1, from the file %2. Accounts kept as they were (not taken from the backup):</translation>
    </message>
    <message>
        <source>không có gì khác bản sao lưu.</source>
        <translation>nothing differed from the backup.</translation>
    </message>
    <message>
        <source>mật khẩu</source>
        <translation>password</translation>
    </message>
    <message>
        <source>vai trò</source>
        <translation>role</translation>
    </message>
    <message>
        <source>đang hoạt động/bị khóa</source>
        <translation>active/disabled</translation>
    </message>
    <message>
        <source>phải đổi mật khẩu</source>
        <translation>must change the password</translation>
    </message>
    <message>
        <source>số lần nhập sai</source>
        <translation>wrong-password count</translation>
    </message>
    <message>
        <source>tạm khóa</source>
        <translation>lockout</translation>
    </message>
    <message>
        <source>tài khoản không có trong bản sao lưu, được giữ lại</source>
        <translation>account not in the backup, kept</translation>
    </message>
    <message>
        <source>Đang mã hóa lại dữ liệu bằng khóa mới…</source>
        <translation>Re-encrypting the data under a new key…</translation>
    </message>
    <message>
        <source>Đang mã hóa lại %1 trang dữ liệu bằng khóa mới…</source>
        <translation>Re-encrypting %1 pages of data under a new key…</translation>
    </message>
    <message>
        <source>Dữ liệu đã được mã hóa lại bằng khóa mới: bản sao cũ của tệp khóa với mật khẩu cũ không mở được dữ liệu ghi từ nay.</source>
        <translation>The data was re-encrypted under a new key: an older copy of the key file with an old password opens nothing written from now on.</translation>
    </message>
    <message>
        <source>Khóa khôi phục mới đã được hiển thị một lần.</source>
        <translation>The new recovery key was shown once.</translation>
    </message>
    <message>
        <source>Chưa mã hóa lại được dữ liệu (tệp đang được chương trình khác mở); việc này sẽ làm khi Trưởng Công an đăng nhập lần tới.</source>
        <translation>The data could not be re-encrypted now (the file is open in another program); it will be at the station head&apos;s next login.</translation>
    </message>
    <message>
        <source>Mục trong tệp khóa đã bỏ khi mã hóa lại dữ liệu (mật khẩu cũ của các cán bộ này không mở được dữ liệu ghi từ lúc đó):</source>
        <translation>Key-file entries dropped by a re-key (these officers&apos; old passwords open nothing written since):</translation>
    </message>
    <message>
        <source>Đang hoạt động</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Đã khóa</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>tạm khóa do nhập sai mật khẩu</source>
        <translation>locked after wrong passwords</translation>
    </message>
    <message>
        <source>chờ đổi mật khẩu</source>
        <translation>must change the password</translation>
    </message>
    <message>
        <source>do tỉnh cấp</source>
        <translation>issued by the province</translation>
    </message>
    <message>
        <source>Mở khóa tài khoản</source>
        <translation>Enable account</translation>
    </message>
    <message>
        <source>Khóa tài khoản</source>
        <translation>Disable account</translation>
    </message>
    <message>
        <source>Đã đặt lại mật khẩu cho %1. Cán bộ phải đổi mật khẩu khi đăng nhập.</source>
        <translation>Password of %1 reset. The officer must change it at the next login.</translation>
    </message>
    <message>
        <source>Đã mở khóa tài khoản %1.</source>
        <translation>Account of %1 enabled.</translation>
    </message>
    <message>
        <source>Đã khóa tài khoản %1.</source>
        <translation>Account of %1 disabled.</translation>
    </message>
    <message>
        <source>Cán bộ của đơn vị</source>
        <translation>Station officers</translation>
    </message>
    <message>
        <source>Mật khẩu mới:</source>
        <translation>New password:</translation>
    </message>
    <message>
        <source>Mật khẩu mới</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>Nhập lại</source>
        <translation>Again</translation>
    </message>
    <message>
        <source>Đặt lại mật khẩu</source>
        <translation>Reset password</translation>
    </message>
</context>
<context>
    <name>Options</name>
    <message>
        <source>Tên đơn vị</source>
        <translation>Station name</translation>
    </message>
    <message>
        <source>Mã tỉnh</source>
        <translation>Province code</translation>
    </message>
    <message>
        <source>Mã xã/phường</source>
        <translation>Commune code</translation>
    </message>
    <message>
        <source>Địa chỉ máy chủ Công an tỉnh</source>
        <translation>Province server address</translation>
    </message>
    <message>
        <source>Chu kỳ đồng bộ (phút)</source>
        <translation>Sync interval (minutes)</translation>
    </message>
    <message>
        <source>Máy in</source>
        <translation>Printer</translation>
    </message>
    <message>
        <source>Ngôn ngữ</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Tự khóa sau (phút không dùng)</source>
        <translation>Lock after (idle minutes)</translation>
    </message>
    <message>
        <source>Thời hạn lưu thông tin cá nhân của vụ việc đã kết thúc (năm)</source>
        <translation>Keep personal details of closed cases for (years)</translation>
    </message>
</context>
<context>
    <name>PersonPage</name>
    <message>
        <source>Loại</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Hộ: %1</source>
        <translation>Household: %1</translation>
    </message>
    <message>
        <source>Trạng thái đồng bộ: %1</source>
        <translation>Sync state: %1</translation>
    </message>
    <message>
        <source>Hộ gia đình: %1 — %2 (%3)</source>
        <translation>Household: %1 — %2 (%3)</translation>
    </message>
    <message>
        <source>Chưa thuộc hộ gia đình nào.</source>
        <translation>Not in any household.</translation>
    </message>
    <message>
        <source>Không tải được từ mục %1: %2</source>
        <translation>Could not load from %1: %2</translation>
    </message>
    <message>
        <source>Chưa có trong hồ sơ hay tin báo nào.</source>
        <translation>Not in any dossier or report yet.</translation>
    </message>
    <message>
        <source>Thêm nhân khẩu</source>
        <translation>New resident</translation>
    </message>
    <message>
        <source>← Danh sách</source>
        <translation>← List</translation>
    </message>
    <message>
        <source>Lưu (Enter)</source>
        <translation>Save (Enter)</translation>
    </message>
    <message>
        <source>Hủy (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Lịch sử cư trú</source>
        <translation>Residence history</translation>
    </message>
    <message>
        <source>Thêm cư trú…</source>
        <translation>Add residence…</translation>
    </message>
    <message>
        <source>Có trong hồ sơ, tin báo</source>
        <translation>Appears in dossiers and reports</translation>
    </message>
</context>
<context>
    <name>RecoverPage</name>
    <message>
        <source>Khôi phục bằng khóa khôi phục</source>
        <translation>Recover with the recovery key</translation>
    </message>
    <message>
        <source>Nhập khóa khôi phục được cấp khi thiết lập đơn vị và đặt mật khẩu mới cho tài khoản Trưởng Công an.</source>
        <translation>Enter the recovery key given when the station was set up and set a new password for the station head&apos;s account.</translation>
    </message>
    <message>
        <source>Đặt mật khẩu mới</source>
        <translation>Set the new password</translation>
    </message>
    <message>
        <source>Quay lại đăng nhập</source>
        <translation>Back to the login</translation>
    </message>
</context>
<context>
    <name>RecoveryKeyPage</name>
    <message>
        <source>Khóa khôi phục dữ liệu</source>
        <translation>Data recovery key</translation>
    </message>
    <message>
        <source>Dữ liệu của đơn vị được mã hóa. Nếu quên mật khẩu Trưởng Công an hoặc chuyển sang máy mới, chỉ khóa này mở lại được dữ liệu và bản sao lưu. Chép tay khóa dưới đây, ký nhận và cất nơi an toàn theo quy định của Công an tỉnh. Khóa chỉ hiện một lần này; phần mềm không lưu lại.</source>
        <translation>The station&apos;s data is encrypted. If the station head&apos;s password is forgotten or the station moves to a new computer, only this key opens the data and its backups again. Copy the key below by hand, sign for it and keep it safe as the province police require. It is shown this once; the program does not keep it.</translation>
    </message>
    <message>
        <source>Tôi đã chép lại khóa khôi phục và cất giữ an toàn</source>
        <translation>I have copied the recovery key and keep it safe</translation>
    </message>
    <message>
        <source>Tiếp tục</source>
        <translation>Continue</translation>
    </message>
    <message>
        <source>In khóa khôi phục…</source>
        <translation>Print the recovery key…</translation>
    </message>
</context>
<context>
    <name>ResidenceDialog</name>
    <message>
        <source>Lưu (Enter)</source>
        <translation>Save (Enter)</translation>
    </message>
    <message>
        <source>Hủy (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Thêm thông tin cư trú</source>
        <translation>Add residence record</translation>
    </message>
</context>
<context>
    <name>ResidentsView</name>
    <message>
        <source>Tìm thấy %1 người</source>
        <translation>%1 found</translation>
    </message>
    <message>
        <source>Tìm thấy hơn %1 người</source>
        <translation>More than %1 found</translation>
    </message>
    <message>
        <source> (hiện %1 người đầu tiên — gõ thêm để thu hẹp)</source>
        <translation> (showing the first %1 — type more to narrow it down)</translation>
    </message>
    <message>
        <source>Tổng số nhân khẩu: %1</source>
        <translation>Residents: %1</translation>
    </message>
    <message>
        <source>Tìm theo tên (có dấu hoặc không), số định danh, địa chỉ… (Ctrl+F)</source>
        <translation>Search by name (with or without diacritics), ID number, address… (Ctrl+F)</translation>
    </message>
    <message>
        <source>Thêm nhân khẩu (Ctrl+N)</source>
        <translation>New resident (Ctrl+N)</translation>
    </message>
    <message>
        <source>Nhập từ CSV…</source>
        <translation>Import CSV…</translation>
    </message>
    <message>
        <source>Nhập nhân khẩu từ tệp CSV</source>
        <translation>Import residents from a CSV file</translation>
    </message>
    <message>
        <source>Tệp CSV (*.csv *.txt)</source>
        <translation>CSV files (*.csv *.txt)</translation>
    </message>
</context>
<context>
    <name>Sections</name>
    <message>
        <source>Hộ gia đình</source>
        <translation>Households</translation>
    </message>
    <message>
        <source>Nhân khẩu</source>
        <translation>Residents</translation>
    </message>
    <message>
        <source>Cài đặt</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Đồng bộ</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>Hôm nay</source>
        <translation>Today</translation>
    </message>
</context>
<context>
    <name>SettingsView</name>
    <message>
        <source>Đã lưu cài đặt.</source>
        <translation>Settings saved.</translation>
    </message>
    <message>
        <source>Trạm chưa đăng ký với Công an tỉnh.</source>
        <translation>This station is not enrolled with the province.</translation>
    </message>
    <message>
        <source>Đã đăng ký: %1 (mã trạm %2) tại %3</source>
        <translation>Enrolled: %1 (station %2) at %3</translation>
    </message>
    <message>
        <source>Nhập địa chỉ máy chủ và mã đăng ký do Công an tỉnh cấp.</source>
        <translation>Enter the server address and the enrollment code from the province police.</translation>
    </message>
    <message>
        <source>Đang đăng ký…</source>
        <translation>Enrolling…</translation>
    </message>
    <message>
        <source>Sao lưu dữ liệu</source>
        <translation>Back up data</translation>
    </message>
    <message>
        <source>Bản sao lưu (*.db)</source>
        <translation>Backups (*.db)</translation>
    </message>
    <message>
        <source>Đang sao lưu…</source>
        <translation>Backing up…</translation>
    </message>
    <message>
        <source>Đã sao lưu %1 nhân khẩu, %2 hộ vào %3</source>
        <translation>Backed up %1 residents and %2 households to %3</translation>
    </message>
    <message>
        <source>Khôi phục dữ liệu</source>
        <translation>Restore data</translation>
    </message>
    <message>
        <source>Khôi phục bản sao lưu có %1 nhân khẩu và %2 hộ? Dữ liệu hiện tại được giữ lại thành một bản sao. Phần mềm sẽ đóng lại và mở lại.</source>
        <translation>Restore the backup with %1 residents and %2 households? The current data is kept as a copy. The program will close and open again.</translation>
    </message>
    <message>
        <source>Khôi phục</source>
        <translation>Restore</translation>
    </message>
    <message>
        <source>Hủy</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Đã đổi mật khẩu.</source>
        <translation>Password changed.</translation>
    </message>
    <message>
        <source>Đã tạo tài khoản %1.</source>
        <translation>Account %1 created.</translation>
    </message>
    <message>
        <source>Giao diện</source>
        <translation>Interface</translation>
    </message>
    <message>
        <source>Ngôn ngữ</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Tự khóa sau (phút không dùng)</source>
        <translation>Lock after (idle minutes)</translation>
    </message>
    <message>
        <source>Đồng bộ với Công an tỉnh</source>
        <translation>Sync with the province</translation>
    </message>
    <message>
        <source>Địa chỉ máy chủ</source>
        <translation>Server address</translation>
    </message>
    <message>
        <source>Chu kỳ đồng bộ (phút)</source>
        <translation>Sync interval (minutes)</translation>
    </message>
    <message>
        <source>Mã đăng ký</source>
        <translation>Enrollment code</translation>
    </message>
    <message>
        <source>Đăng ký trạm</source>
        <translation>Enroll station</translation>
    </message>
    <message>
        <source>In ấn</source>
        <translation>Printing</translation>
    </message>
    <message>
        <source>Máy in</source>
        <translation>Printer</translation>
    </message>
    <message>
        <source>(máy in mặc định)</source>
        <translation>(default printer)</translation>
    </message>
    <message>
        <source>Lưu cài đặt</source>
        <translation>Save settings</translation>
    </message>
    <message>
        <source>Sao lưu và khôi phục</source>
        <translation>Backup and restore</translation>
    </message>
    <message>
        <source>Sao lưu ngay…</source>
        <translation>Back up now…</translation>
    </message>
    <message>
        <source>Khôi phục từ bản sao lưu…</source>
        <translation>Restore from a backup…</translation>
    </message>
    <message>
        <source>Tài khoản</source>
        <translation>Accounts</translation>
    </message>
    <message>
        <source>Mật khẩu hiện tại</source>
        <translation>Current password</translation>
    </message>
    <message>
        <source>Mật khẩu mới</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>Nhập lại mật khẩu mới</source>
        <translation>Repeat the new password</translation>
    </message>
    <message>
        <source>Đổi mật khẩu</source>
        <translation>Change password</translation>
    </message>
    <message>
        <source>Tên đăng nhập của cán bộ mới</source>
        <translation>New officer&apos;s username</translation>
    </message>
    <message>
        <source>Họ và tên</source>
        <translation>Full name</translation>
    </message>
    <message>
        <source>Mật khẩu ban đầu</source>
        <translation>Initial password</translation>
    </message>
    <message>
        <source>Tạo tài khoản cán bộ</source>
        <translation>Create officer account</translation>
    </message>
    <message>
        <source>Không có vụ việc nào quá thời hạn lưu giữ.</source>
        <translation>No closed case is past the retention period.</translation>
    </message>
    <message>
        <source>Xóa thông tin cá nhân</source>
        <translation>Redact personal details</translation>
    </message>
    <message>
        <source>%1 vụ việc đã kết thúc quá thời hạn lưu giữ. Xóa thông tin cá nhân của các vụ việc này? Việc xóa được ghi nhật ký và đồng bộ lên Công an tỉnh.</source>
        <translation>%1 closed cases are past the retention period. Redact their personal details? The redaction is audited and synced to the province.</translation>
    </message>
    <message>
        <source>Đã xóa thông tin cá nhân của %1 vụ việc.</source>
        <translation>Personal details of %1 cases redacted.</translation>
    </message>
    <message>
        <source>Lưu giữ thông tin cá nhân</source>
        <translation>Retention of personal details</translation>
    </message>
    <message>
        <source>Xóa thông tin cá nhân của vụ việc đã kết thúc sau (năm, 0 = không xóa)</source>
        <translation>Redact closed cases after (years, 0 = never)</translation>
    </message>
    <message>
        <source>Xem và xóa vụ việc quá hạn…</source>
        <translation>Review and redact cases past the period…</translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <source>chưa lần nào</source>
        <translation>never</translation>
    </message>
    <message>
        <source>vừa xong</source>
        <translation>just now</translation>
    </message>
    <message>
        <source>1 phút trước</source>
        <translation>1 minute ago</translation>
    </message>
    <message>
        <source>%1 phút trước</source>
        <translation>%1 minutes ago</translation>
    </message>
    <message>
        <source>1 giờ trước</source>
        <translation>1 hour ago</translation>
    </message>
    <message>
        <source>%1 giờ trước</source>
        <translation>%1 hours ago</translation>
    </message>
    <message>
        <source>Chưa đăng ký với Công an tỉnh — dữ liệu chỉ lưu tại trạm</source>
        <translation>Not enrolled with the province — data stays at this station</translation>
    </message>
    <message>
        <source>Mất kết nối — thay đổi đã được lưu và sẽ gửi khi có mạng</source>
        <translation>Offline — changes are saved and will be sent when the link returns</translation>
    </message>
    <message>
        <source>Đang đồng bộ…</source>
        <translation>Syncing…</translation>
    </message>
    <message>
        <source>Đồng bộ lỗi</source>
        <translation>Sync failed</translation>
    </message>
    <message>
        <source>Đã đồng bộ</source>
        <translation>Up to date</translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message>
        <source>Lần đồng bộ thành công gần nhất: %1</source>
        <translation>Last successful sync: %1</translation>
    </message>
    <message>
        <source>Chờ gửi: %1</source>
        <translation>Pending: %1</translation>
    </message>
    <message>
        <source>Xung đột cần xử lý: %1</source>
        <translation>Conflicts to resolve: %1</translation>
    </message>
    <message>
        <source>Đồng bộ ngay</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>Đăng ký với tỉnh…</source>
        <translation>Enroll with the province…</translation>
    </message>
</context>
<context>
    <name>SyncView</name>
    <message>
        <source>Xung đột chờ xử lý: %1</source>
        <translation>Conflicts waiting: %1</translation>
    </message>
    <message>
        <source>Bị tỉnh từ chối: %1</source>
        <translation>Refused by the province: %1</translation>
    </message>
    <message>
        <source>Lần đồng bộ thành công gần nhất: %1</source>
        <translation>Last successful sync: %1</translation>
    </message>
    <message>
        <source>Thay đổi chờ gửi lên tỉnh: %1</source>
        <translation>Changes waiting to be sent: %1</translation>
    </message>
    <message>
        <source>Bị tỉnh từ chối: %1 (xem lý do trong từng hồ sơ)</source>
        <translation>Refused by the province: %1 (each record shows why)</translation>
    </message>
    <message>
        <source>Nhân khẩu trùng số định danh: %1 (chọn để gộp)</source>
        <translation>Persons recorded twice (same personal ID): %1 (choose one to merge)</translation>
    </message>
    <message>
        <source>Gộp nhân khẩu trùng</source>
        <translation>Merge duplicate persons</translation>
    </message>
    <message>
        <source>Giữ lại hồ sơ nào? Hồ sơ kia được liên kết vào hồ sơ này, không mất thông tin.</source>
        <translation>Which record to keep? The other is linked to it; nothing is lost.</translation>
    </message>
    <message>
        <source>Lần tự sửa gần nhất: %1</source>
        <translation>Last automatic repair: %1</translation>
    </message>
    <message>
        <source>Nhân khẩu trùng số định danh chờ gộp: %1 (station-client duplicates)</source>
        <translation>Persons recorded twice (same personal ID) waiting to be merged: %1 (station-client duplicates)</translation>
    </message>
    <message>
        <source>Máy chủ: %1</source>
        <translation>Server: %1</translation>
    </message>
    <message>
        <source>Đồng bộ với Công an tỉnh</source>
        <translation>Sync with the province</translation>
    </message>
    <message>
        <source>Đồng bộ ngay</source>
        <translation>Sync now</translation>
    </message>
</context>
<context>
    <name>TodayView</name>
    <message>
        <source>Quá hạn</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>Đến hạn hôm nay</source>
        <translation>Due today</translation>
    </message>
    <message>
        <source>Sắp đến</source>
        <translation>Upcoming</translation>
    </message>
    <message>
        <source>Không tải được việc từ mục %1: %2</source>
        <translation>Could not load work from %1: %2</translation>
    </message>
    <message>
        <source>Chưa có mục nào cung cấp việc cần làm.</source>
        <translation>No section provides work items yet.</translation>
    </message>
    <message>
        <source>Không có việc đến hạn hôm nay.</source>
        <translation>Nothing is due today.</translation>
    </message>
    <message>
        <source>%1 việc, trong đó %2 quá hạn.</source>
        <translation>%1 items, %2 of them overdue.</translation>
    </message>
    <message>
        <source>Việc hôm nay</source>
        <translation>Today&apos;s work</translation>
    </message>
    <message>
        <source>Làm mới</source>
        <translation>Refresh</translation>
    </message>
</context>
<context>
    <name>Unlock</name>
    <message>
        <source>Tên đăng nhập Trưởng Công an</source>
        <translation>Station head&apos;s username</translation>
    </message>
    <message>
        <source>Khóa khôi phục</source>
        <translation>Recovery key</translation>
    </message>
    <message>
        <source>Mật khẩu mới</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>Nhập lại mật khẩu mới</source>
        <translation>New password again</translation>
    </message>
    <message>
        <source>Đã đặt mật khẩu mới. Hãy đăng nhập bằng mật khẩu mới.</source>
        <translation>The new password is set. Log in with it.</translation>
    </message>
</context>
<context>
    <name>Workspace</name>
    <message>
        <source>Mục này chưa mở được: %1</source>
        <translation>This section could not be opened: %1</translation>
    </message>
</context>
</TS>
