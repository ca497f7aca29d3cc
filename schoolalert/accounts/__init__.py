"""People who use Schoolalert: users, their single role, sign-in and sessions."""
