"""The rules of the register, pure Python with no I/O and no project imports: the upstream event
contract (`contract`), review deadlines (`deadlines`), a case's lifecycle (`lifecycle`), who may
see and do what (`access`). Everything else in kup-console builds on these."""
