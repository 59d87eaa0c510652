"""meeting day: chosen address, pre-flight marks, rehearsal rounds, spare slips, the
phase countdown kept aside during an answer

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 06:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_url', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('slips_url', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reachable_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('screen_seen_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('scoring_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rehearsal', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('ballot_token', schema=None) as batch_op:
        batch_op.alter_column('category_id', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('meeting_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phase_timer', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meeting_state', schema=None) as batch_op:
        batch_op.drop_column('phase_timer')
    op.execute("DELETE FROM ballot_token WHERE category_id IS NULL")
    with op.batch_alter_table('ballot_token', schema=None) as batch_op:
        batch_op.alter_column('category_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('scoring_round', schema=None) as batch_op:
        batch_op.drop_column('rehearsal')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('screen_seen_at')
        batch_op.drop_column('reachable_at')
        batch_op.drop_column('slips_url')
        batch_op.drop_column('public_url')
