# System-wide nbgrader configuration for every user server of the class hub
# (install as /etc/jupyter/nbgrader_config.py in the single-user image or mount it there).
c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

# One course per hub. Labs are released under this id; students fetch by it.
c.CourseDirectory.course_id = "go-platform"

# The exchange is how assignments and submissions move between the instructor's server and
# the students' servers. It must be ONE directory on a filesystem that every user server
# mounts (a shared RWX volume on Kubernetes, a local directory on a single machine), and
# writable by all users: `install -d -m 0777 /srv/nbgrader/exchange`.
c.Exchange.root = "/srv/nbgrader/exchange"

# Go builds and runs inside grading are limited by goenv itself; give a cell time for the
# first cross-build of a target on a slow node (the image is prewarmed, so this is headroom).
c.ExecutePreprocessor.timeout = 300
